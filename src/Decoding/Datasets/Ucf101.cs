using System.Globalization;
using System.Text.RegularExpressions;

namespace VideoVCReg.Decoding.Datasets;

/// <summary>
/// The UCF101 layout as its authors ship it: the videos under <c>UCF-101/&lt;class&gt;/</c> (or <c>videos/</c>, or the
/// folder itself) and the lists <c>classInd.txt</c> (<c>&lt;id&gt; &lt;class&gt;</c>, ids from 1),
/// <c>trainlist0k.txt</c> (<c>&lt;class&gt;/&lt;name&gt; &lt;id&gt;</c>) and <c>testlist0k.txt</c>
/// (<c>&lt;class&gt;/&lt;name&gt;</c>) for k = 1, 2, 3, in one folder anywhere below (ucfTrainTestlist/).
/// A test line's class is its folder; a train line's id must agree with it. Labels are classInd's ids − 1.
/// </summary>
public static partial class Ucf101
{
    public const string ClassIndex = "classInd.txt";

    public static string VideoRoot(string root) =>
        new[] { "UCF-101", "videos" }.Select(d => Path.Combine(root, d)).FirstOrDefault(Directory.Exists) ?? root;

    /// <summary>Where the lists are: the folder of the (first, in path order) classInd.txt below the root.</summary>
    public static string ListFolder(string root) =>
        Directory.EnumerateFiles(root, ClassIndex, SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(Path.GetDirectoryName).FirstOrDefault()
        ?? throw new InvalidDataException($"{root}: no split found (no {ClassIndex}, trainlist0k.txt, testlist0k.txt below this folder)");

    public static IReadOnlyList<string> Classes(string root)
    {
        var file = Path.Combine(ListFolder(root), ClassIndex);
        var classes = new List<string>();
        int n = 0;
        foreach (var raw in File.ReadLines(file))
        {
            n++;
            var parts = raw.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0) continue;
            // Ids must run 1, 2, 3 ... in order, or a label would silently mean another class.
            if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int id) || id != classes.Count + 1)
                throw new InvalidDataException($"{file}:{n}: expected '{classes.Count + 1} <class>', got '{raw.Trim()}'");
            classes.Add(parts[1]);
        }
        if (classes.Count == 0) throw new InvalidDataException($"{file}: lists no class");
        return classes;
    }

    public static SplitListing Listing(string root, int split)
    {
        if (split is < 1 or > 3) throw new ArgumentException($"UCF101 split must be 1, 2 or 3, got {split}");
        var lists = ListFolder(root);
        var classes = Classes(root);
        var label = classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);
        var videoRoot = VideoRoot(root);
        var problems = new List<DatasetProblem>();
        List<ListedVideo> Read(string name, bool withLabel)
        {
            var file = Path.Combine(lists, name);
            if (!File.Exists(file)) throw new InvalidDataException($"{file}: missing (split {split} needs it next to {ClassIndex})");
            var videos = new List<ListedVideo>();
            int n = 0;
            foreach (var raw in File.ReadLines(file))
            {
                n++;
                var line = raw.Trim();
                if (line.Length == 0) continue;
                var where = $"{file}:{n}";
                var parts = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                int slash = parts[0].IndexOf('/');
                var cls = slash > 0 ? parts[0][..slash] : "";
                int listedId = 0;
                if (parts.Length != (withLabel ? 2 : 1) || (withLabel && !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out listedId)))
                {
                    problems.Add(new(where, withLabel ? $"expected '<class>/<name> <id>', got '{line}'" : $"expected '<class>/<name>', got '{line}'"));
                    continue;
                }
                var path = Path.Combine(videoRoot, parts[0]);
                if (!VideoFolder.Contains(videoRoot, path, parts[0])) { problems.Add(new(where, VideoFolder.Leaves(parts[0], videoRoot))); continue; }
                if (!label.TryGetValue(cls, out int l)) { problems.Add(new(where, $"'{parts[0]}': its folder '{cls}' is not a class of {ClassIndex}")); continue; }
                if (withLabel && listedId != l + 1) { problems.Add(new(where, $"'{parts[0]}' has id {listedId}, but {ClassIndex} gives {cls} id {l + 1}")); continue; }
                videos.Add(new ListedVideo(path, l, parts[0], where, $"{cls}/{Group(parts[0])}"));
            }
            return videos;
        }
        var train = Read($"trainlist0{split}.txt", withLabel: true);
        var test = Read($"testlist0{split}.txt", withLabel: false);
        return new SplitListing($"{root} split {split}", classes, train, test, problems);
    }

    /// <summary>
    /// The group of a clip, `v_ApplyEyeMakeup_g08_c01.avi` → `g08`: UCF101's clips of one group are cut from one long
    /// video, and its official splits never separate a group, so a validation hold-out must not either.
    /// </summary>
    public static string Group(string listed)
    {
        var stem = Path.GetFileNameWithoutExtension(listed);
        var m = GroupPattern().Match(stem);
        return m.Success ? m.Groups[1].Value : stem;
    }

    [GeneratedRegex(@"_(g\d+)_c\d+$")]
    private static partial Regex GroupPattern();
}
