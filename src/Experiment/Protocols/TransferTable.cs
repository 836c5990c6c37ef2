using System.Globalization;
using System.Text.Json;
using VideoVCReg.Experiment.Probe;

namespace VideoVCReg.Experiment.Protocols;

/// <summary>
/// Finished probe runs in Table 1's layout: one row per pretraining (the backbone whose weights were probed, named
/// by its pretraining run's settings when the weights are a checkpoint of one), one column per downstream set.
/// </summary>
public static class TransferTable
{
    public static bool IsProbe(string dir)
    {
        var path = Path.Combine(dir, "report.json");
        if (!File.Exists(path)) return false;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.TryGetProperty("kind", out var k) && k.GetString() == ProbeRunner.Kind;
        }
        catch (JsonException) { return false; }
    }

    /// <summary>
    /// Rows by pretraining, columns by downstream set and solver, one value per seed: runs that differ only in their
    /// seed become one row's mean ± std, and rows are paired by seed against the first.
    /// </summary>
    public static SeededTable From(IReadOnlyList<string> probeDirs)
    {
        var probes = probeDirs.Select(d => (Dir: d, Report: ProbeReport.Read(d))).ToList();
        int Seed(ProbeReport r) => r.Seed;
        string Column(ProbeReport r) => $"{r.Data} ({r.Solver})";
        var columns = probes.Select(p => Column(p.Report)).Distinct().ToList();
        var rows = probes.GroupBy(p => Pretraining(p.Report.Weights)).Select(g =>
        {
            var seeds = g.Select(p => Seed(p.Report)).Distinct().Order().ToList();
            var values = seeds.Select(seed => (IReadOnlyList<double?>)[.. columns.Select(c =>
                g.Where(p => Seed(p.Report) == seed && Column(p.Report) == c).Select(p => (double?)p.Report.TestTop1).LastOrDefault())]).ToList();
            return new SeededRow(g.Key, seeds, values);
        }).ToList();
        if (rows.FirstOrDefault(r => !r.Seeds.SequenceEqual(rows[0].Seeds)) is SeededRow other)
            throw new ArgumentException($"'{other.Row}' was probed on seeds {string.Join(", ", other.Seeds)} and '{rows[0].Row}' on {string.Join(", ", rows[0].Seeds)}: give runs on the same seeds, so they pair");
        return new SeededTable("Transfer: linear-probe test top-1 % (rows: pretraining, columns: downstream set and probe)", columns, rows);
    }

    /// <summary>"resnet32 / vcreg α1 β0.1 at blocks" from the run folder the checkpoint sits in, or the weights' path.</summary>
    public static string Pretraining(string weights)
    {
        if (weights.Length == 0) return "random weights";
        var runDir = Path.GetDirectoryName(Path.GetDirectoryName(weights));
        var settings = runDir is null ? null : Path.Combine(runDir, "settings.json");
        if (settings is null || !File.Exists(settings)) return weights;
        try
        {
            var recorded = Eval.RecordedSettings.Parse(File.ReadAllText(settings));
            return $"{recorded.Model} / {recorded.Regularizer.RowLabel}";
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException) { return weights; }
    }
}
