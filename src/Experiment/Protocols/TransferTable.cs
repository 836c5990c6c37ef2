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

    public static ProtocolTable From(IReadOnlyList<string> probeDirs)
    {
        var probes = probeDirs.Select(d => (Dir: d, Report: ProbeReport.Read(d))).ToList();
        string Setting(ProbeReport r, string key) => r.Settings.TryGetValue(key, out var v) && v is JsonElement e && e.ValueKind == JsonValueKind.String ? e.GetString()! : "";
        var columns = probes.Select(p => $"{Setting(p.Report, "data")} ({p.Report.Solver})").Distinct().ToList();
        var rows = probes.GroupBy(p => Pretraining(Setting(p.Report, "weights"))).Select(g =>
        {
            var values = columns.Select(c => g.Where(p => $"{Setting(p.Report, "data")} ({p.Report.Solver})" == c).Select(p => (double?)p.Report.TestTop1).LastOrDefault()).ToList();
            return (g.Key, (IReadOnlyList<double?>)values);
        }).ToList();
        return new ProtocolTable("Transfer: linear-probe test top-1 % (rows: pretraining, columns: downstream set and probe)", columns, rows);
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
            using var doc = JsonDocument.Parse(File.ReadAllText(settings));
            var root = doc.RootElement;
            // Image runs keep their preset under "arch", video runs their preset's name under "model".
            var arch = root.TryGetProperty("arch", out var preset)
                ? (preset.TryGetProperty("Name", out var n) ? n : preset.GetProperty("name")).GetString()
                : root.GetProperty("model").GetString();
            var reg = VideoVCReg.Models.Regularization.RegularizerOptions.FromSettings(root.GetProperty("regularizer"));
            return $"{arch} / {reg.RowLabel}";
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException) { return weights; }
    }
}
