using VideoVCReg.Decoding.Images;

namespace VideoVCReg.Experiment.Images;

/// <summary>
/// Every class must keep a training image: one without still gets a classifier output and counts in the class total, and
/// nothing teaches it. Refused in one line per cause, as the video splits refuse a class with no video.
/// </summary>
public static class TrainingClasses
{
    /// <summary>The classes of <paramref name="classes"/> that no label names, refused with <paramref name="hint"/>.</summary>
    public static void RequireEach(string where, IReadOnlyList<string> classes, IEnumerable<int> labels, string hint)
    {
        var counts = new int[classes.Count];
        foreach (var l in labels) counts[l]++;
        if (classes.Where((_, c) => counts[c] == 0).ToList() is { Count: > 0 } empty)
            throw new InvalidDataException($"{where}: no training image for class(es) {string.Join(", ", empty)}; {hint}");
    }

    /// <summary>
    /// Each class's files are decoded in order until one reads, so a class costs one decode unless its files are damaged;
    /// a class none of whose files reads is refused before its count goes into class_counts.json.
    /// </summary>
    public static void RequireReadable(ImageFolderSet train)
    {
        foreach (var group in train.Files.GroupBy(f => f.Label))
        {
            string? firstReason = null;
            if (group.Any(f => Readable(f.Path, ref firstReason))) continue;
            var folder = Path.Combine(train.Root, train.Classes[group.Key]);
            throw new InvalidDataException($"{folder}: none of its {group.Count()} training images can be read (first: {firstReason}); fix the files or remove the class");
        }
    }

    static bool Readable(string path, ref string? firstReason)
    {
        try
        {
            using var image = ImageViews.Decode(path);
            return true;
        }
        catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException))
        {
            firstReason ??= $"{path}: {e.Message}";
            return false;
        }
    }
}
