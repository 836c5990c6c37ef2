using VideoVCReg.Runtime.Data;

namespace VideoVCReg.Decoding.Datasets;

/// <summary>
/// A stratified, seeded validation hold-out from a training split, for hyperparameter search: each class gives
/// round(fraction · its count) items (at least one when it has two or more), so class balance is kept.
/// With <c>groupOf</c>, items of one group (HMDB51's clips of one source movie) are held out or kept together, so
/// near-duplicate clips never sit on both sides; a class then gives whole groups until it reaches its share.
/// </summary>
public static class HoldOut
{
    public static (MediaDataset Train, MediaDataset Validation) Split(MediaDataset train, double fraction, int seed,
        Func<MediaItem, string>? groupOf = null)
    {
        if (fraction is <= 0 or >= 1) throw new ArgumentException($"hold-out fraction must be in (0, 1), got {fraction}");
        groupOf ??= i => i.Id;
        var keep = new List<MediaItem>();
        var held = new List<MediaItem>();
        foreach (var cls in train.Items.GroupBy(i => i.Label).OrderBy(g => g.Key))
        {
            // Sorted first, so the draw is independent of listing order.
            var groups = cls.GroupBy(groupOf, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => g.OrderBy(i => i.Id, StringComparer.Ordinal).ToArray()).ToArray();
            new Random(Seeds.Mix(seed, cls.Key)).Shuffle(groups);
            int count = groups.Sum(g => g.Length);
            int target = count < 2 ? 0 : Math.Clamp((int)Math.Round(fraction * count), 1, count - 1);
            int taken = 0, g = 0;
            for (; g < groups.Length - 1 && taken < target; g++)
            {
                held.AddRange(groups[g]);
                taken += groups[g].Length;
            }
            foreach (var rest in groups.Skip(g)) keep.AddRange(rest);
        }
        return (train.Subset(keep, "train minus hold-out"), train.Subset(held, "hold-out"));
    }
}
