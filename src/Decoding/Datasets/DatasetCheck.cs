namespace VideoVCReg.Decoding.Datasets;

public sealed record DatasetProblem(string Path, string Reason);

public sealed record DatasetCheckResult(int Videos, int SplitEntries, IReadOnlyList<DatasetProblem> Problems);

/// <summary>
/// Scans an HMDB51-layout folder: every video file is opened and fully decoded, and every entry of the three
/// split folds must name an existing video. Problems are collected, never thrown, so one run lists them all.
/// </summary>
public static class DatasetCheck
{
    public static DatasetCheckResult Run(string root, IProgress<string>? progress = null, CancellationToken cancel = default)
    {
        var problems = new List<DatasetProblem>();
        int entries = 0;
        var folds = new List<SortedDictionary<string, List<Hmdb51.SplitEntry>>>();
        for (int k = 1; k <= 3; k++)
        {
            try { folds.Add(Hmdb51.ReadSplit(root, k, (where, why) => problems.Add(new(where, why)))); }
            catch (InvalidDataException) when (k > 1) { problems.Add(new(root, $"no split files for fold {k}")); }
        }
        // A class whose split file lists nothing would train a head with a class no video teaches.
        for (int k = 0; k < folds.Count; k++)
            foreach (var (cls, list) in folds[k])
                if (!list.Any(e => e.Id is 1 or 2))
                    problems.Add(new(cls, $"class {cls} has no train or test video in fold {k + 1} (empty split file?)"));
        foreach (var e in folds.SelectMany(f => f.Values).SelectMany(v => v))
        {
            entries++;
            if (e.Id != 0 && !File.Exists(Hmdb51.VideoPath(root, e)))
                problems.Add(new($"{e.SplitFile}:{e.Line}", $"lists {e.Name} ({e.Class}), but {Hmdb51.VideoPath(root, e)} does not exist"));
        }

        var videoRoot = Hmdb51.VideoRoot(root);
        var classes = folds[0].Keys.Where(c => Directory.Exists(Path.Combine(videoRoot, c)));
        var files = classes.SelectMany(c => Directory.EnumerateFiles(Path.Combine(videoRoot, c))).Order(StringComparer.Ordinal).ToList();
        byte[] rgb = [];
        foreach (var path in files)
        {
            cancel.ThrowIfCancellationRequested();
            try
            {
                VideoCheck.DecodeAll(path, ref rgb, cancel);
                progress?.Report(path);
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or ArgumentException or NotSupportedException)
            {
                problems.Add(new(path, ex.Message.StartsWith(path, StringComparison.Ordinal) ? ex.Message[path.Length..].TrimStart(':', ' ') : ex.Message));
            }
        }
        return new DatasetCheckResult(files.Count, entries, problems);
    }
}
