using System.Globalization;

namespace VideoVCReg.Decoding.Datasets;

/// <summary>
/// VideoMAE's annotation lists in one folder: <c>train.csv</c> and <c>test.csv</c> (<c>val.csv</c> when there is no
/// test.csv), one <c>&lt;path&gt; &lt;label&gt;</c> per line, space separated, the label last. Relative paths start at the
/// video root (VideoMAE's --data_root prefix; default the list folder). Absolute paths, which VideoMAE's lists often
/// hold, must lie inside that root too: give it as --video-root. val.csv is not read when test.csv is there: VideoMAE's
/// HMDB51 and UCF101 lists make it a copy of test.csv, and validating on it would select on the test set.
/// Class names are unknown, so they are the label numbers.
/// </summary>
public static class ListFile
{
    public static SplitListing Listing(string dir, string? videoRoot = null)
    {
        var root = videoRoot ?? dir;
        var train = Path.Combine(dir, "train.csv");
        var test = new[] { "test.csv", "val.csv" }.Select(f => Path.Combine(dir, f)).FirstOrDefault(File.Exists);
        if (!File.Exists(train) || test is null)
            throw new InvalidDataException($"{dir}: no split found (list:DIR needs train.csv and test.csv or val.csv, lines '<path> <label>')");
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"{root}: no such video root");
        var problems = new List<DatasetProblem>();
        var trainVideos = Read(train, root, problems);
        var testVideos = Read(test, root, problems);
        int classes = trainVideos.Concat(testVideos).Select(v => v.Label + 1).DefaultIfEmpty(0).Max();
        return new SplitListing(dir, [.. Enumerable.Range(0, classes).Select(i => i.ToString(CultureInfo.InvariantCulture))], trainVideos, testVideos, problems);
    }

    /// <summary>
    /// One list read on its own, as a program that wrote it does: relative paths from <paramref name="videoRoot"/>
    /// (default the list's folder), every path inside it; the first bad line throws.
    /// </summary>
    public static MediaDataset Load(string listPath, string? videoRoot = null)
    {
        if (!File.Exists(listPath)) throw new FileNotFoundException($"{listPath}: no such list file", listPath);
        var problems = new List<DatasetProblem>();
        var videos = Read(listPath, videoRoot ?? Path.GetDirectoryName(Path.GetFullPath(listPath))!, problems);
        if (problems.Count > 0) throw new InvalidDataException($"{problems[0].Path}: {problems[0].Reason}");
        int classes = videos.Select(v => v.Label + 1).DefaultIfEmpty(0).Max();
        return new MediaDataset(listPath, [.. Enumerable.Range(0, classes).Select(i => i.ToString(CultureInfo.InvariantCulture))],
            [.. videos.Select(v => new MediaItem(v.Path, v.Label, v.Id))]);
    }

    static List<ListedVideo> Read(string listPath, string root, List<DatasetProblem> problems)
    {
        var items = new List<ListedVideo>();
        int n = 0;
        foreach (var raw in File.ReadLines(listPath))
        {
            n++;
            var line = raw.Trim();
            if (line.Length == 0) continue;
            var where = $"{listPath}:{n}";
            int cut = line.LastIndexOfAny([' ', '\t']);
            if (cut <= 0 || !int.TryParse(line[(cut + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int label))
            {
                problems.Add(new(where, $"expected '<path> <label>', got '{line}'"));
                continue;
            }
            var listed = line[..cut].Trim();
            var path = Path.GetFullPath(Path.Combine(root, listed));
            if (!VideoFolder.Contains(root, path, listed)) { problems.Add(new(where, VideoFolder.Leaves(listed, root))); continue; }
            var id = Path.GetRelativePath(root, path);
            items.Add(new ListedVideo(path, label, id, where, id));
        }
        return items;
    }
}
