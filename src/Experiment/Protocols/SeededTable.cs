using System.Globalization;
using System.Text;
using VideoVCReg.Eval;
using VideoVCReg.Runtime.IO;
using VideoVCReg.Runtime.Data;

namespace VideoVCReg.Experiment.Protocols;

/// <summary>One pretraining setting's measurements, one list of column values per seed (the same seeds for every row).</summary>
public sealed record SeededRow(string Row, IReadOnlyList<int> Seeds, IReadOnlyList<IReadOnlyList<double?>> Values);

/// <summary>
/// A protocol's result over seeds: per row the mean ± sample standard deviation of each column, and per row after the
/// first its paired difference with the first (the baseline, run on the same seeds) and the difference's Student-t 95 %
/// interval, so a reader can tell an effect from the seed spread. <paramref name="AverageFrom"/>: the columns from that
/// index on are averaged per seed into an Average column (Table 1's, which leaves out the source set).
/// Written as NAME.md (what the command prints), NAME.csv (one line per run) and NAME_summary.csv.
/// </summary>
public sealed record SeededTable(string Title, IReadOnlyList<string> Columns, IReadOnlyList<SeededRow> Rows, int? AverageFrom = null)
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public IReadOnlyList<string> AllColumns => AverageFrom is null ? Columns : [.. Columns, "Average"];

    /// <summary>Per seed, the row's values with the Average appended (null when a value it needs is missing).</summary>
    public IReadOnlyList<double?> SeedValues(SeededRow row, int seed)
    {
        var v = row.Values[seed];
        if (AverageFrom is not int from) return v;
        var part = v.Skip(from).ToList();
        double? average = part.Count > 0 && part.All(x => x is not null) ? part.Average(x => x!.Value) : null;
        return [.. v, average];
    }

    /// <summary>Mean and standard deviation of column <paramref name="column"/> over the row's seeds; null when a seed lacks it.</summary>
    public SeedStatistics.Summary? Summary(SeededRow row, int column)
    {
        var values = row.Seeds.Select((_, s) => SeedValues(row, s)[column]).ToList();
        return values.All(x => x is not null) ? SeedStatistics.Summarize([.. values.Select(x => x!.Value)]) : null;
    }

    /// <summary>Row minus the first row, paired by seed, for one column; null when either lacks a value.</summary>
    public SeedStatistics.Difference? Difference(SeededRow row, int column)
    {
        var baseline = Rows[0];
        if (!baseline.Seeds.SequenceEqual(row.Seeds)) throw new InvalidOperationException($"'{row.Row}' and '{baseline.Row}' were run on other seeds; they cannot be paired");
        var a = row.Seeds.Select((_, s) => SeedValues(row, s)[column]).ToList();
        var b = baseline.Seeds.Select((_, s) => SeedValues(baseline, s)[column]).ToList();
        if (a.Concat(b).Any(x => x is null)) return null;
        return SeedStatistics.Paired([.. a.Select(x => x!.Value)], [.. b.Select(x => x!.Value)]);
    }

    static string Percent(double v) => (v * 100).ToString("F1", Inv);
    static string Signed(double v) => (v >= 0 ? "+" : "−") + Math.Abs(v * 100).ToString("F1", Inv);

    public string Markdown()
    {
        var sb = new StringBuilder();
        var cols = AllColumns;
        int k = Rows.Count == 0 ? 0 : Rows[0].Seeds.Count;
        sb.AppendLine($"# {Title}").AppendLine();
        sb.AppendLine($"| pretraining | {string.Join(" | ", cols)} |");
        sb.AppendLine($"| --- |{string.Concat(cols.Select(_ => " ---: |"))}");
        foreach (var row in Rows)
            sb.AppendLine($"| {row.Row} | {string.Join(" | ", cols.Select((_, c) => Summary(row, c) is not { } s ? "–"
                : s.Count > 1 ? $"{Percent(s.Mean)} ± {Percent(s.Std)}" : Percent(s.Mean)))} |");
        sb.AppendLine();
        sb.AppendLine(k > 1 ? $"{k} seeds ({string.Join(", ", Rows[0].Seeds)}): mean ± sample standard deviation."
            : $"1 seed ({(k == 1 ? Rows[0].Seeds[0] : "")}): no spread is known; repeat with --seeds K.");
        if (Rows.Count > 1)
        {
            sb.AppendLine().AppendLine($"Paired difference with '{Rows[0].Row}' (same seeds){(k > 1 ? ", and its 95 % t-interval" : "")}, points:").AppendLine();
            sb.AppendLine($"| difference | {string.Join(" | ", cols)} |");
            sb.AppendLine($"| --- |{string.Concat(cols.Select(_ => " ---: |"))}");
            foreach (var row in Rows.Skip(1))
                sb.AppendLine($"| {row.Row} − baseline | {string.Join(" | ", cols.Select((_, c) => Difference(row, c) is not { } d ? "–"
                    : d.Low is double lo ? $"{Signed(d.Mean)} [{Signed(lo)}, {Signed(d.High!.Value)}]" : Signed(d.Mean)))} |");
        }
        return sb.ToString();
    }

    static string Quote(string s) => s.Contains(',') || s.Contains('"') ? $"\"{s.Replace("\"", "\"\"")}\"" : s;
    static string Number(double? v) => v?.ToString("R", Inv) ?? "";

    /// <summary>One line per run: pretraining, seed, then every column as a fraction.</summary>
    public string Csv()
    {
        var sb = new StringBuilder();
        sb.AppendLine(string.Join(",", new[] { "pretraining", "seed" }.Concat(AllColumns).Select(Quote)));
        foreach (var row in Rows)
            for (int s = 0; s < row.Seeds.Count; s++)
                sb.AppendLine(string.Join(",", new[] { Quote(row.Row), row.Seeds[s].ToString(Inv) }.Concat(SeedValues(row, s).Select(Number))));
        return sb.ToString();
    }

    /// <summary>Per row: mean, std and seeds; after the first, the paired difference and its interval bounds.</summary>
    public string SummaryCsv()
    {
        var sb = new StringBuilder();
        var cols = AllColumns;
        sb.AppendLine(string.Join(",", new[] { "pretraining", "statistic" }.Concat(cols).Select(Quote)));
        void Line(string row, string stat, Func<int, double?> value) =>
            sb.AppendLine(string.Join(",", new[] { Quote(row), stat }.Concat(cols.Select((_, c) => Number(value(c))))));
        foreach (var row in Rows)
        {
            Line(row.Row, "mean", c => Summary(row, c)?.Mean);
            Line(row.Row, "std", c => Summary(row, c) is { Count: > 1 } s ? s.Std : null);
            Line(row.Row, "seeds", _ => row.Seeds.Count);
            if (ReferenceEquals(row, Rows[0])) continue;
            Line(row.Row, "diff_mean", c => Difference(row, c)?.Mean);
            Line(row.Row, "diff_ci95_low", c => Difference(row, c)?.Low);
            Line(row.Row, "diff_ci95_high", c => Difference(row, c)?.High);
        }
        return sb.ToString();
    }

    public string Write(string dir, string name)
    {
        AtomicFile.WriteText(Path.Combine(dir, name + ".csv"), Csv());
        AtomicFile.WriteText(Path.Combine(dir, name + "_summary.csv"), SummaryCsv());
        var md = Path.Combine(dir, name + ".md");
        AtomicFile.WriteText(md, Markdown());
        return md;
    }
}
