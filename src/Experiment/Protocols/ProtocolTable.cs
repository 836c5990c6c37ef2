using System.Globalization;
using System.Text;
using VideoVCReg.Runtime.IO;

namespace VideoVCReg.Experiment.Protocols;

/// <summary>
/// A protocol's result in the paper's layout: one row per pretraining (network and regularizer), one column per
/// measurement (a downstream set's probe top-1, a head/tail share, ...), values as percentages. Written as
/// Markdown and CSV; the Markdown is also what the command prints.
/// </summary>
/// <param name="Percent">Per column: shown as a percentage (the default for every column) or as a plain number (CDNV, a rank).</param>
public sealed record ProtocolTable(string Title, IReadOnlyList<string> Columns, IReadOnlyList<(string Row, IReadOnlyList<double?> Values)> Rows,
    IReadOnlyList<bool>? Percent = null)
{
    public string Markdown()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# {Title}").AppendLine();
        sb.AppendLine($"| pretraining | {string.Join(" | ", Columns)} |");
        sb.AppendLine($"| --- |{string.Concat(Columns.Select(_ => " ---: |"))}");
        foreach (var (row, values) in Rows)
            sb.AppendLine($"| {row} | {string.Join(" | ", values.Select((v, i) => v is not double d ? "–"
                : Percent is null || Percent[i] ? (d * 100).ToString("F1", CultureInfo.InvariantCulture) : d.ToString("G4", CultureInfo.InvariantCulture)))} |");
        return sb.ToString();
    }

    public string Csv()
    {
        static string Quote(string s) => s.Contains(',') || s.Contains('"') ? $"\"{s.Replace("\"", "\"\"")}\"" : s;
        var sb = new StringBuilder();
        sb.AppendLine(string.Join(",", new[] { "pretraining" }.Concat(Columns).Select(Quote)));
        foreach (var (row, values) in Rows)
            sb.AppendLine(string.Join(",", new[] { Quote(row) }.Concat(values.Select(v => v?.ToString("R", CultureInfo.InvariantCulture) ?? ""))));
        return sb.ToString();
    }

    /// <summary>NAME.md and NAME.csv in <paramref name="dir"/>; returns the Markdown path.</summary>
    public string Write(string dir, string name)
    {
        AtomicFile.WriteText(Path.Combine(dir, name + ".csv"), Csv());
        var md = Path.Combine(dir, name + ".md");
        AtomicFile.WriteText(md, Markdown());
        return md;
    }
}
