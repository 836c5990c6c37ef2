using System.Globalization;

namespace VideoVCReg.Decoding.Datasets;

/// <summary>
/// Kinetics annotations: CSV <c>label,youtube_id,time_start,time_end,split</c> (a header line, labels may be quoted).
/// A clip's file is <c>&lt;youtube_id&gt;_&lt;start:06d&gt;_&lt;end:06d&gt;.mp4</c>, in <paramref name="videoRoot"/> or in its
/// label's folder below it. Class ids follow the sorted label names of the CSV.
/// </summary>
public static class KineticsCsv
{
    public static string FileName(string youtubeId, int start, int end) =>
        string.Create(CultureInfo.InvariantCulture, $"{youtubeId}_{start:D6}_{end:D6}.mp4");

    public static MediaDataset Load(string csvPath, string videoRoot)
    {
        if (!File.Exists(csvPath)) throw new FileNotFoundException($"{csvPath}: no such Kinetics CSV", csvPath);
        var rows = new List<(string Label, string Id, int Start, int End)>();
        int n = 0;
        foreach (var raw in File.ReadLines(csvPath))
        {
            n++;
            var line = raw.Trim();
            if (line.Length == 0 || (n == 1 && line.StartsWith("label,", StringComparison.Ordinal))) continue;
            var f = line.Split(',');
            if (f.Length < 4 || !double.TryParse(f[2], CultureInfo.InvariantCulture, out var s) || !double.TryParse(f[3], CultureInfo.InvariantCulture, out var e))
                throw new InvalidDataException($"{csvPath}:{n}: expected 'label,youtube_id,time_start,time_end,split', got '{line}'");
            rows.Add((f[0].Trim('"'), f[1], (int)s, (int)e));
        }
        var classes = rows.Select(r => r.Label).Distinct().Order(StringComparer.Ordinal).ToList();
        var label = classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
        var items = rows.Select(r =>
        {
            var name = FileName(r.Id, r.Start, r.End);
            var flat = Path.Combine(videoRoot, name);
            var nested = Path.Combine(videoRoot, r.Label, name);
            return new MediaItem(File.Exists(flat) || !File.Exists(nested) ? flat : nested, label[r.Label], Path.GetFileNameWithoutExtension(name));
        }).ToList();
        return new MediaDataset(csvPath, classes, items);
    }
}
