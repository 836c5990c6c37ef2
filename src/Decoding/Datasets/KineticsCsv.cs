using System.Globalization;

namespace VideoVCReg.Decoding.Datasets;

/// <summary>
/// The Kinetics layout: the official annotation CSVs (<c>label,youtube_id,time_start,time_end,split</c>, with a
/// header) in <c>DIR/annotations/</c> or <c>DIR</c>, and clips named <c>&lt;youtube_id&gt;_&lt;start:06d&gt;_&lt;end:06d&gt;</c>
/// with any video extension, found by name anywhere below DIR (flat, the downloaders' train/ and val/, or per label).
/// The test set has no labels, so train.csv trains and validate.csv tests, as VideoMAE does; a validation share comes
/// from train. Class ids follow the sorted labels of train.csv.
/// </summary>
public static class KineticsCsv
{
    public const string TrainFile = "train.csv", TestFile = "validate.csv";

    static readonly string[] Extensions = [".mp4", ".webm", ".mkv", ".avi", ".mov", ".m4v", ".flv", ".3gp", ".ogv", ".mpg", ".mpeg", ".ts"];
    static readonly HashSet<string> VideoExtensions = new(Extensions, StringComparer.OrdinalIgnoreCase);

    public static string Stem(string youtubeId, int start, int end) =>
        string.Create(CultureInfo.InvariantCulture, $"{youtubeId}_{start:D6}_{end:D6}");

    /// <summary>The folder holding the CSVs: DIR/annotations when it has train.csv, else DIR.</summary>
    public static string AnnotationFolder(string root)
    {
        var nested = Path.Combine(root, "annotations");
        if (File.Exists(Path.Combine(nested, TrainFile))) return nested;
        if (File.Exists(Path.Combine(root, TrainFile))) return root;
        throw new InvalidDataException($"{root}: no split found (no {TrainFile} and {TestFile} in {nested} or in the folder itself)");
    }

    public static SplitListing Listing(string root)
    {
        var csvs = AnnotationFolder(root);
        var problems = new List<DatasetProblem>();
        var trainRows = Rows(Path.Combine(csvs, TrainFile), problems);
        var testFile = Path.Combine(csvs, TestFile);
        if (!File.Exists(testFile)) throw new InvalidDataException($"{testFile}: missing (Kinetics tests on the validate set)");
        var testRows = Rows(testFile, problems);
        var classes = trainRows.Select(r => r.Label).Distinct().Order(StringComparer.Ordinal).ToList();
        var label = classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);
        var files = Index(root);
        List<ListedVideo> Videos(List<Row> rows) => [.. rows.Where(r =>
        {
            if (label.ContainsKey(r.Label)) return true;
            problems.Add(new(r.Where, $"label '{r.Label}' has no video in {TrainFile}"));
            return false;
        }).Select(r => files.GetValueOrDefault(r.Stem) is { } file
            ? new ListedVideo(file, label[r.Label], r.Stem, r.Where, r.YoutubeId)
            : new ListedVideo(Path.Combine(root, r.Stem + ".*"), label[r.Label], r.Stem, r.Where, r.YoutubeId,
                $"lists youtube_id {r.YoutubeId}, but no {r.Stem}.<ext> is anywhere below {root} (<ext>: {string.Join(", ", Extensions.Select(e => e[1..]))})"))];
        return new SplitListing(root, classes, Videos(trainRows), Videos(testRows), problems);
    }

    sealed record Row(string Label, string YoutubeId, string Stem, string Where);

    static List<Row> Rows(string csv, List<DatasetProblem> problems)
    {
        var rows = new List<Row>();
        int[]? at = null;
        foreach (var (line, fields) in CsvRows.Read(csv))
        {
            var where = $"{csv}:{line}";
            if (at is null)
            {
                // By name, so a column order of another release, or an extra column, reads the same.
                at = [.. new[] { "label", "youtube_id", "time_start", "time_end" }.Select(c => Array.FindIndex(fields, f => f.Trim() == c))];
                if (at.Contains(-1)) throw new InvalidDataException($"{where}: expected the header 'label,youtube_id,time_start,time_end,split', got '{string.Join(',', fields)}'");
                continue;
            }
            if (fields.Length <= at.Max() || !Whole(fields[at[2]], out int start) || !Whole(fields[at[3]], out int end) || fields[at[0]].Trim().Length == 0)
            {
                problems.Add(new(where, $"expected 'label,youtube_id,time_start,time_end,split', got '{string.Join(',', fields)}'"));
                continue;
            }
            var id = fields[at[1]].Trim();
            // The id becomes a file name: one that is a path could name a file outside the dataset.
            if (id.Length == 0 || id is "." or ".." || id.IndexOfAny(['/', '\\', '\0']) >= 0)
            {
                problems.Add(new(where, $"youtube_id '{id}' is not a plain name: it would leave the dataset's video folder {Path.GetFullPath(Path.GetDirectoryName(csv)!)}; refused"));
                continue;
            }
            rows.Add(new Row(fields[at[0]].Trim(), id, Stem(id, start, end), where));
        }
        return rows;
    }

    /// <summary>A whole number of seconds; the CSVs of some releases write them as 14.0.</summary>
    static bool Whole(string s, out int value)
    {
        value = 0;
        if (!double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || d < 0 || d != Math.Floor(d) || d > 999_999) return false;
        value = (int)d;
        return true;
    }

    /// <summary>Every video file below the root by its name without extension; the first in path order when a name repeats.</summary>
    static Dictionary<string, string> Index(string root)
    {
        var index = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Where(f => VideoExtensions.Contains(Path.GetExtension(f))).Order(StringComparer.Ordinal))
            index.TryAdd(Path.GetFileNameWithoutExtension(f), f);
        return index;
    }
}
