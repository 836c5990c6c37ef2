using VideoVCReg.Runtime.Data;

namespace VideoVCReg.Decoding.Images;

/// <summary>
/// The exponential long-tail profile of the long-tail literature (Cui et al. 2019; Cao et al. 2019, LDAM-DRW's
/// IMBALANCECIFAR10): class c of C keeps ⌊n_max · R^(−c/(C−1))⌋ samples, where n_max is the largest class and R the
/// imbalance ratio: CIFAR-10 at R = 100 keeps 5000 … 50 per class, CIFAR-100 500 … 5.
/// </summary>
public static class LongTail
{
    public static int[] Counts(int classes, int nMax, double ratio)
    {
        if (!(ratio >= 1 && double.IsFinite(ratio))) throw new ArgumentException($"--imbalance must be a finite ratio ≥ 1 (got {ratio})");
        return [.. Enumerable.Range(0, classes).Select(c => classes == 1 ? nMax : (int)(nMax * Math.Pow(ratio, -(double)c / (classes - 1))))];
    }

    /// <summary>
    /// The indices kept: for each class the first <see cref="Counts"/> of its images in a seeded shuffle, in index order.
    /// A ratio that keeps no image of a class is refused (<paramref name="names"/> name the classes): the class would still get an output that nothing teaches.
    /// </summary>
    public static int[] Subsample(IReadOnlyList<int> labels, int classes, double ratio, int seed, IReadOnlyList<string>? names = null)
    {
        var byClass = Enumerable.Range(0, classes).Select(c => new List<int>()).ToArray();
        for (int i = 0; i < labels.Count; i++) byClass[labels[i]].Add(i);
        int nMax = byClass.Max(l => l.Count);
        var counts = Counts(classes, nMax, ratio);
        if (counts.Select((n, c) => n == 0 ? names?[c] ?? $"{c}" : null).OfType<string>().ToList() is { Count: > 0 } emptied)
            throw new InvalidDataException($"--imbalance {ratio} leaves class(es) {string.Join(", ", emptied)} with no training image ({nMax} images a class keep ⌊{nMax} · {ratio}^(−c/(C−1))⌋); at most --imbalance {nMax} here");
        var kept = new List<int>();
        for (int c = 0; c < classes; c++)
        {
            var list = byClass[c].ToArray();
            new Random(Seeds.Mix(seed, c, 0x7a1)).Shuffle(list);
            if (list.Length < counts[c])
                throw new InvalidDataException($"class {c} has {list.Length} images, the long-tail profile wants {counts[c]} (it assumes balanced classes)");
            kept.AddRange(list.Take(counts[c]));
        }
        kept.Sort();
        return [.. kept];
    }
}
