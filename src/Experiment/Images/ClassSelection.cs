using System.Globalization;
using VideoVCReg.Decoding.Images;

namespace VideoVCReg.Experiment.Images;

/// <summary>
/// <c>SPEC@SEL</c>: some classes of an in-memory image set, relabelled 0 … k−1 in the order given; SEL is class indices
/// and ranges, <c>0-4</c> or <c>5,7,9</c>. Table 1's transfer needs a source and downstream classes that do not overlap:
/// <c>--data fashion-mnist@0-4 --downstream fashion-mnist@5-9</c>. <c>SPEC#N</c> (after any selection) keeps the first N
/// training images of each class in the file's order, for runs sized to a CPU; the test part stays whole.
/// </summary>
public static class ClassSelection
{
    /// <summary>The spec with any `#…` and then `@…` suffix removed (suffixes holding a '/' are part of a path).</summary>
    static string Stripped(string spec)
    {
        int hash = spec.LastIndexOf('#');
        if (hash >= 0 && !spec[hash..].Contains('/')) spec = spec[..hash];
        int at = spec.LastIndexOf('@');
        return at >= 0 && !spec[at..].Contains('/') ? spec[..at] : spec;
    }

    /// <summary>The folder a prefixed spec (cifar10:, cifar100:, idx:, fashion-mnist:) names; null for the named sets.</summary>
    static string? Folder(string spec) => spec.IndexOf(':') is int colon and > 0 ? spec[(colon + 1)..] : null;

    /// <summary>
    /// Whether the spec carries a selection or cap: only where what is left without them names a set held in memory, and the
    /// whole spec is not itself an existing folder (a path may hold '@' or '#': idx:/data/run#1 is that folder).
    /// </summary>
    public static bool Applies(string spec)
    {
        var stripped = Stripped(spec);
        return stripped != spec && CifarSource.Problem(stripped) is null && !(Folder(spec) is string dir && Directory.Exists(dir));
    }

    /// <summary>A selection or cap written after a folder of image files, which is not held in memory: one line; null otherwise.</summary>
    public static string? OnAFolder(string spec)
    {
        var stripped = Stripped(spec);
        return stripped != spec && !Applies(spec) && Directory.Exists(stripped) && !Directory.Exists(spec)
            ? $"--data {spec}: a class selection (@…) or cap (#N) needs a set held in memory: cifar10:DIR, cifar100:DIR, fashion-mnist, idx:DIR, digits or the synthetic sets"
            : null;
    }

    /// <summary>The spec without its selection and cap, the selected class indices, and the cap (null where absent).</summary>
    public static (string Base, int[]? Classes, int? PerClass) Split(string spec)
    {
        if (!Applies(spec)) return (spec, null, null);
        if (Problem(spec) is string bad) throw new ArgumentException(bad);
        int? perClass = null;
        int hash = spec.LastIndexOf('#');
        if (hash >= 0) (spec, perClass) = (spec[..hash], int.Parse(spec[(hash + 1)..], CultureInfo.InvariantCulture));
        int at = spec.LastIndexOf('@');
        return at < 0 ? (spec, null, perClass) : (spec[..at], Parse(spec[(at + 1)..]), perClass);
    }

    /// <summary>A one-line complaint about the selection and cap parts, or null.</summary>
    public static string? Problem(string spec)
    {
        if (!Applies(spec)) return OnAFolder(spec);
        int hash = spec.LastIndexOf('#');
        if (hash >= 0)
        {
            var cap = spec[(hash + 1)..];
            if (!int.TryParse(cap, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1)
                return $"--data {spec}: '#{cap}' must be a whole number of training images per class, at least 1";
            spec = spec[..hash];
        }
        int at = spec.LastIndexOf('@');
        if (at < 0) return null;
        var sel = spec[(at + 1)..];
        var classes = Parse(sel);
        if (classes is null) return $"--data {spec}: '@{sel}' must list class indices or ranges, as @0-4 or @5,7,9";
        if (classes.Distinct().Count() != classes.Length) return $"--data {spec}: '@{sel}' names a class twice";
        return null;
    }

    static int[]? Parse(string sel)
    {
        var result = new List<int>();
        foreach (var part in sel.Split(','))
        {
            var ends = part.Split('-');
            if (ends.Length is < 1 or > 2 || !ends.All(e => int.TryParse(e, NumberStyles.None, CultureInfo.InvariantCulture, out _))) return null;
            int lo = int.Parse(ends[0], CultureInfo.InvariantCulture), hi = int.Parse(ends[^1], CultureInfo.InvariantCulture);
            if (hi < lo || hi - lo > 100_000) return null;
            for (int c = lo; c <= hi; c++) result.Add(c);
        }
        return result.Count == 0 ? null : [.. result];
    }

    /// <summary>The first <paramref name="perClass"/> images of each class, in their order.</summary>
    public static ImageArray Cap(ImageArray images, int perClass)
    {
        var seen = new int[images.Classes.Count];
        var kept = Enumerable.Range(0, images.Count).Where(i => seen[images.Labels[i]]++ < perClass).ToList();
        return kept.Count == images.Count ? images : images.Subset(kept, $"at most {perClass} a class");
    }

    /// <summary>The images of the selected classes, labels renumbered by their place in the selection.</summary>
    public static ImageArray Apply(ImageArray images, int[] classes, string spec)
    {
        if (classes.FirstOrDefault(c => c >= images.Classes.Count) is int bad && bad >= images.Classes.Count)
            throw new ArgumentException($"--data {spec}: class {bad} does not exist ({images.Source} has {images.Classes.Count}: 0-{images.Classes.Count - 1})");
        var place = new Dictionary<int, int>();
        for (int i = 0; i < classes.Length; i++) place[classes[i]] = i;
        var kept = Enumerable.Range(0, images.Count).Where(i => place.ContainsKey(images.Labels[i])).ToList();
        var subset = images.Subset(kept, $"classes {string.Join(",", classes)}");
        return subset with { Classes = [.. classes.Select(c => images.Classes[c])], Labels = [.. subset.Labels.Select(l => place[l])] };
    }
}
