namespace VideoVCReg.Decoding.Datasets;

/// <summary>
/// The HMDB51 layout: videos under <c>videos/&lt;class&gt;/</c> (or <c>&lt;class&gt;/</c> directly under the root) and
/// the official split files <c>&lt;class&gt;_test_split&lt;k&gt;.txt</c> anywhere below the root, lines
/// <c>&lt;name&gt; &lt;id&gt;</c> with 1 = train, 2 = test, 0 = unused. Class ids follow the sorted class names.
/// </summary>
public static class Hmdb51
{
    public sealed record SplitEntry(string Class, string Name, int Id, string SplitFile, int Line);

    public static string VideoRoot(string root)
    {
        var videos = Path.Combine(root, "videos");
        return Directory.Exists(videos) ? videos : root;
    }

    /// <summary>Every entry of every split file of fold <paramref name="split"/>, keyed by class (sorted).</summary>
    /// <param name="malformed">Given, a malformed line is handed to it ("file:line", reason) and skipped, so a check lists
    /// every one; otherwise the first one throws, so training never runs on a split file it misread.</param>
    public static SortedDictionary<string, List<SplitEntry>> ReadSplit(string root, int split, Action<string, string>? malformed = null)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"{root}: no such dataset folder");
        if (split is < 1 or > 3) throw new ArgumentException($"HMDB51 split must be 1, 2 or 3, got {split}");
        var suffix = $"_test_split{split}.txt";
        var files = Directory.EnumerateFiles(root, "*" + suffix, SearchOption.AllDirectories).ToList();
        if (files.Count == 0)
            throw new InvalidDataException($"{root}: no split files (<class>{suffix}) in this dataset folder");
        var byClass = new SortedDictionary<string, List<SplitEntry>>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var cls = Path.GetFileName(file)[..^suffix.Length];
            var entries = byClass[cls] = [];
            int n = 0;
            foreach (var raw in File.ReadLines(file))
            {
                n++;
                var line = raw.Trim();
                if (line.Length == 0) continue;
                var parts = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length != 2 || !int.TryParse(parts[1], out int id) || id is < 0 or > 2)
                {
                    if (malformed is null) throw new InvalidDataException($"{file}:{n}: expected '<name> <0|1|2>', got '{line}'");
                    malformed($"{file}:{n}", $"expected '<name> <0|1|2>', got '{line}'");
                    continue;
                }
                entries.Add(new SplitEntry(cls, parts[0], id, file, n));
            }
        }
        return byClass;
    }

    public static string VideoPath(string root, SplitEntry e) => Path.Combine(VideoRoot(root), e.Class, e.Name);

    /// <summary>Split <paramref name="split"/> as listed: labels from the sorted class names, unused (id 0) entries left out.</summary>
    public static SplitListing Listing(string root, int split)
    {
        var problems = new List<DatasetProblem>();
        var byClass = ReadSplit(root, split, (where, why) => problems.Add(new(where, why)));
        var classes = byClass.Keys.ToList();
        var videoRoot = VideoRoot(root);
        List<ListedVideo> train = [], test = [];
        for (int label = 0; label < classes.Count; label++)
            foreach (var e in byClass[classes[label]].Where(e => e.Id != 0))
            {
                var path = VideoPath(root, e);
                var where = $"{e.SplitFile}:{e.Line}";
                if (!VideoFolder.Contains(videoRoot, path, e.Name)) { problems.Add(new(where, VideoFolder.Leaves(e.Name, videoRoot))); continue; }
                (e.Id == 1 ? train : test).Add(new ListedVideo(path, label, $"{e.Class}/{e.Name}", where, $"{e.Class}/{SourceMovie(path, e.Class)}"));
            }
        return new SplitListing($"{root} split {split}", classes, train, test, problems);
    }

    /// <summary>
    /// The source movie of an HMDB51 clip: its file name up to the action, e.g. `April_09` for
    /// `April_09_brush_hair_u_nm_np1_ba_goo_0.avi` of class `brush_hair`; the whole name when the pattern is absent.
    /// </summary>
    public static string SourceMovie(string path, string className)
    {
        var stem = System.IO.Path.GetFileNameWithoutExtension(path);
        int i = stem.IndexOf("_" + className + "_", StringComparison.Ordinal);
        return i > 0 ? stem[..i] : stem;
    }
}
