namespace VideoVCReg.Decoding.Datasets;

/// <summary>
/// A stratified, seeded validation hold-out from a training split, for hyperparameter search: each class gives
/// round(fraction · its count) items (at least one when it has two or more), so class balance is kept.
/// </summary>
public static class HoldOut
{
    public static (MediaDataset Train, MediaDataset Validation) Split(MediaDataset train, double fraction, int seed)
    {
        if (fraction is <= 0 or >= 1) throw new ArgumentException($"hold-out fraction must be in (0, 1), got {fraction}");
        var keep = new List<MediaItem>();
        var held = new List<MediaItem>();
        foreach (var group in train.Items.GroupBy(i => i.Label).OrderBy(g => g.Key))
        {
            var items = group.OrderBy(i => i.Id, StringComparer.Ordinal).ToArray();   // independent of listing order
            new Random(Seeds.Mix(seed, group.Key)).Shuffle(items);
            int n = items.Length < 2 ? 0 : Math.Clamp((int)Math.Round(fraction * items.Length), 1, items.Length - 1);
            held.AddRange(items.Take(n));
            keep.AddRange(items.Skip(n));
        }
        return (train.Subset(keep, "train minus hold-out"), train.Subset(held, "hold-out"));
    }
}
