using VideoVCReg.Runtime.Data;

namespace VideoVCReg.Experiment.Images;

/// <summary>
/// A validation share of an image training set (a sweep's trials are scored on it): per class, a seeded shuffle and the
/// first ⌊share · n_c + ½⌋ images (at least one of a class with two or more), so every class is validated and the
/// shares follow the class sizes, as a stratified split does.
/// </summary>
public static class ImageHoldOut
{
    /// <summary>(fit, validation) indices into <paramref name="labels"/>, each in ascending order.</summary>
    public static (int[] Fit, int[] Validation) Split(IReadOnlyList<int> labels, double share, int seed)
    {
        if (!(share > 0 && share < 1)) throw new ArgumentException($"a validation share must be in (0, 1) (got {share})");
        var held = new List<int>();
        foreach (var group in Enumerable.Range(0, labels.Count).GroupBy(i => labels[i]).OrderBy(g => g.Key))
        {
            var members = group.ToArray();
            new Random(Seeds.Mix(seed, group.Key, 0x7a1d)).Shuffle(members);
            int take = members.Length < 2 ? 0 : Math.Clamp((int)Math.Round(share * members.Length, MidpointRounding.AwayFromZero), 1, members.Length - 1);
            held.AddRange(members.Take(take));
        }
        var validation = held.Order().ToArray();
        var set = validation.ToHashSet();
        return ([.. Enumerable.Range(0, labels.Count).Where(i => !set.Contains(i))], validation);
    }
}
