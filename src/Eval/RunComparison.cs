using System.Globalization;
using System.Text;
using System.Text.Json;
using VideoVCReg.Runtime.IO;

namespace VideoVCReg.Eval;

/// <summary>What one finished run folder says of itself: its settings (settings.json) and results (report.json, split*/results.json).</summary>
public sealed record FinishedRun(string Dir, string Model, string Regularizer, double Noise, IReadOnlyList<double> SplitTop1, double Top1, double Top1Std,
    double Top5, double Top5Std, IReadOnlyList<(int Split, int Videos, int Views, double Top1, double Top5, double MeanClass)> Splits,
    IReadOnlyList<(int Label, int Predicted)> Predictions)
{
    /// <summary>The run's seed (settings.json's "seed"; 0 when absent).</summary>
    public int Seed { get; init; }

    /// <summary>settings.json without its seed: runs with equal keys differ only in their seed, so they are repeats of one setting.</summary>
    public string SettingsWithoutSeed { get; init; } = "";

    /// <summary>settings.json without its seed and regularizer: what a regularized setting and its unregularized baseline share.</summary>
    public string SettingsWithoutSeedOrRegularizer { get; init; } = "";

    /// <summary>"vcreg α1 β0.1 at head", "none", "decov at blocks".</summary>
    public bool Regularized => Regularizer != "none";

    public static FinishedRun Read(string dir)
    {
        string report = Path.Combine(dir, "report.json"), settings = Path.Combine(dir, "settings.json");
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir}: no such run folder");
        if (!File.Exists(report)) throw new InvalidDataException($"{dir}: not a finished run (no report.json)");
        // The file being read when something is missing or malformed, so the message names it rather than the folder.
        string reading = report;
        try
        {
            // A run without test results (pretraining, or --no-test) has settings of another shape: once reported as
            // "settings.json: unreadable (The given key was not present…)".
            using (var head = JsonDocument.Parse(File.ReadAllText(report)))
                if (head.RootElement.ValueKind != JsonValueKind.Object || !head.RootElement.TryGetProperty("splits", out _))
                    throw new InvalidDataException(head.RootElement.ValueKind == JsonValueKind.Object && head.RootElement.TryGetProperty("kind", out var kind) && kind.ValueKind == JsonValueKind.String
                        ? $"{dir}: a {kind.GetString()} run, not a fine-tuning run; report compares tested finetune runs, or probe runs"
                        : $"{dir}: not a fine-tuning run with test results (a pretraining run, or one trained with --no-test); report compares tested finetune runs, or probe runs");
            if (!File.Exists(settings)) throw new InvalidDataException($"{dir}: no settings.json (a finetune run folder is needed; eval folders have none)");
            reading = settings;
            var recorded = RecordedSettings.Parse(File.ReadAllText(settings));
            reading = report;
            using var r = JsonDocument.Parse(File.ReadAllText(report));
            var splits = r.RootElement.GetProperty("splits").EnumerateArray().Select(e => (e.GetProperty("split").GetInt32(), e.GetProperty("videos").GetInt32(),
                e.GetProperty("views").GetInt32(), e.GetProperty("top1").GetDouble(), e.GetProperty("top5").GetDouble(), e.GetProperty("mean_class_accuracy").GetDouble())).ToList();
            var mean = r.RootElement.GetProperty("mean");
            var predictions = new List<(int, int)>();
            foreach (var (split, _, _, _, _, _) in splits)
            {
                var results = Path.Combine(dir, $"split{split}", "results.json");
                if (!File.Exists(results)) continue;
                reading = results;
                using var doc = JsonDocument.Parse(File.ReadAllText(results));
                predictions.AddRange(doc.RootElement.GetProperty("predictions").EnumerateArray()
                    .Select(p => (p.GetProperty("label").GetInt32(), p.GetProperty("predicted").GetInt32())));
            }
            reading = report;
            return new FinishedRun(dir, recorded.Model, recorded.Regularizer.Label, recorded.Noise,
                [.. splits.Select(x => x.Item4)], mean.GetProperty("top1").GetDouble(), mean.GetProperty("top1_std").GetDouble(),
                mean.GetProperty("top5").GetDouble(), mean.GetProperty("top5_std").GetDouble(), splits, predictions)
            {
                Seed = (int)recorded.Seed, SettingsWithoutSeed = recorded.WithoutSeed, SettingsWithoutSeedOrRegularizer = recorded.WithoutSeedOrRegularizer,
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{reading}: unreadable ({e.Message})", e);
        }
    }
}

/// <summary>
/// Finished runs side by side, as the paper's Table 2 and Figure 3: <c>comparison.md</c>/<c>.csv</c> (model ×
/// regularizer × noise σ, test top-1 and top-5 as mean ± sample std over splits) and <c>top1_vs_noise.png</c>
/// (one line per model and regularizer, top-1 against σ). Per run, in <c>runs/NAME</c> under the output folder (NAME: the
/// run folder's name): <c>report.csv</c> (one row per split) and the confusion matrix over all its splits' test videos
/// (<c>confusion_matrix.csv</c>, rows = true class, columns = predicted; <c>confusion_matrix.png</c>). Nothing is written
/// into the run folders, which may be read-only or another user's.
/// </summary>
public static class RunComparison
{
    static string P(double x) => (100 * x).ToString("F1", CultureInfo.InvariantCulture);

    public static IReadOnlyList<FinishedRun> Write(IReadOnlyList<string> runDirs, string outDir)
    {
        if (runDirs.Count == 0) throw new ArgumentException("report needs at least one run folder");
        var runs = runDirs.Select(FinishedRun.Read).OrderBy(r => r.Model, StringComparer.Ordinal).ThenBy(r => r.Regularized).ThenBy(r => r.Regularizer, StringComparer.Ordinal).ThenBy(r => r.Noise).ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var run in runs)
        {
            // Runs of one name from different parents (a/run, b/run) get -2, -3, ...
            var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(run.Dir)));
            var unique = name;
            for (int k = 2; !names.Add(unique); k++) unique = $"{name}-{k}";
            WritePerRun(run, Path.Combine(outDir, "runs", unique));
        }
        var md = new StringBuilder("# Runs compared\n\n| model | regularizer | noise σ | splits | top-1 (%) | top-5 (%) | run |\n| --- | --- | ---: | ---: | ---: | ---: | --- |\n");
        var csv = new StringBuilder("model,regularizer,noise,splits,top1,top1_std,top5,top5_std,run\n");
        foreach (var r in runs)
        {
            md.AppendLine($"| {r.Model} | {r.Regularizer} | {r.Noise.ToString(CultureInfo.InvariantCulture)} | {r.Splits.Count} | {P(r.Top1)} ± {P(r.Top1Std)} | {P(r.Top5)} ± {P(r.Top5Std)} | {r.Dir} |");
            csv.AppendLine(string.Join(',', r.Model, Quote(r.Regularizer), F(r.Noise), r.Splits.Count, F(r.Top1), F(r.Top1Std), F(r.Top5), F(r.Top5Std), Quote(r.Dir)));
        }
        md.AppendLine().AppendLine("± is the sample standard deviation over splits (0 for one split).");
        md.Append(OverSeeds(runs, outDir));
        AtomicFile.WriteText(Path.Combine(outDir, "comparison.md"), md.ToString());
        AtomicFile.WriteText(Path.Combine(outDir, "comparison.csv"), csv.ToString());
        PlotNoise(runs, Path.Combine(outDir, "top1_vs_noise.png"));
        return runs;
    }

    static string F(double x) => x.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// Runs that differ only in their seed, as one row each: the mean ± sample std over seeds of the runs' mean top-1,
    /// and, for a regularized setting, the paired difference with the unregularized one whose settings are the same but for
    /// the regularizer, on the same seeds, with its 95 % t-interval. Written to comparison_seeds.csv; returns its Markdown (empty when no setting repeats).
    /// </summary>
    static string OverSeeds(IReadOnlyList<FinishedRun> runs, string outDir)
    {
        var groups = runs.GroupBy(r => r.SettingsWithoutSeed).Where(g => g.Select(r => r.Seed).Distinct().Count() > 1)
            .Select(g => g.GroupBy(r => r.Seed).Select(s => s.First()).OrderBy(r => r.Seed).ToList()).ToList();
        var path = Path.Combine(outDir, "comparison_seeds.csv");
        if (groups.Count == 0) { if (File.Exists(path)) File.Delete(path); return ""; } // a table left by an earlier report would describe other runs
        var md = new StringBuilder("\n## Over seeds\n\n| model | regularizer | noise σ | seeds | top-1 (%) | − unregularized, same seeds (points, 95 % CI) |\n| --- | --- | ---: | --- | ---: | --- |\n");
        var csv = new StringBuilder("model,regularizer,noise,seeds,top1_mean,top1_std,diff_mean,diff_ci95_low,diff_ci95_high\n");
        foreach (var g in groups)
        {
            var r0 = g[0];
            var seeds = g.Select(r => r.Seed).ToList();
            var summary = SeedStatistics.Summarize([.. g.Select(r => r.Top1)]);
            // The baseline shares every setting but the regularizer (and the seed), and ran on the same seeds.
            var baseline = groups.FirstOrDefault(b => !b[0].Regularized && b[0].SettingsWithoutSeedOrRegularizer == r0.SettingsWithoutSeedOrRegularizer && b.Select(r => r.Seed).SequenceEqual(seeds));
            var diff = r0.Regularized && baseline is not null ? SeedStatistics.Paired([.. g.Select(r => r.Top1)], [.. baseline.Select(r => r.Top1)]) : null;
            string D(double v) => (v >= 0 ? "+" : "−") + Math.Abs(100 * v).ToString("F1", CultureInfo.InvariantCulture);
            md.AppendLine($"| {r0.Model} | {r0.Regularizer} | {r0.Noise.ToString(CultureInfo.InvariantCulture)} | {string.Join(", ", seeds)} | {P(summary.Mean)} ± {P(summary.Std)} | " +
                $"{(diff is null ? "–" : $"{D(diff.Mean)} [{D(diff.Low!.Value)}, {D(diff.High!.Value)}]")} |");
            csv.AppendLine(string.Join(',', r0.Model, Quote(r0.Regularizer), F(r0.Noise), Quote(string.Join(" ", seeds)), F(summary.Mean), F(summary.Std),
                diff is null ? "" : F(diff.Mean), diff?.Low is double lo ? F(lo) : "", diff?.High is double hi ? F(hi) : ""));
        }
        md.AppendLine().AppendLine("Rows: settings repeated on several seeds (their settings.json equal but for the seed); ± is the sample standard deviation over seeds.");
        AtomicFile.WriteText(path, csv.ToString());
        return md.ToString();
    }
    static string Quote(string s) => s.Contains(',') || s.Contains('"') ? $"\"{s.Replace("\"", "\"\"")}\"" : s;

    static void WritePerRun(FinishedRun run, string dir)
    {
        Directory.CreateDirectory(dir);
        var csv = new StringBuilder("split,videos,views,top1,top5,mean_class_accuracy\n");
        foreach (var s in run.Splits) csv.AppendLine(string.Join(',', s.Split, s.Videos, s.Views, F(s.Top1), F(s.Top5), F(s.MeanClass)));
        AtomicFile.WriteText(Path.Combine(dir, "report.csv"), csv.ToString());
        if (run.Predictions.Count == 0) return;
        int k = Math.Max(run.Predictions.Max(p => p.Label), run.Predictions.Max(p => p.Predicted)) + 1;
        var counts = new double[k, k];
        foreach (var (label, predicted) in run.Predictions) counts[label, predicted]++;
        var matrix = new StringBuilder("true\\predicted," + string.Join(',', Enumerable.Range(0, k)) + "\n");
        for (int i = 0; i < k; i++) matrix.AppendLine(i + "," + string.Join(',', Enumerable.Range(0, k).Select(j => counts[i, j])));
        AtomicFile.WriteText(Path.Combine(dir, "confusion_matrix.csv"), matrix.ToString());
        var plot = new ScottPlot.Plot();
        // ScottPlot draws row 0 at the top (true class 0 first, as a confusion matrix is read) but numbers its
        // y axis from the bottom: the class ticks are placed by hand.
        var map = plot.Add.Heatmap(counts);
        plot.Add.ColorBar(map);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, k).Select(i => new ScottPlot.Tick(k - 1 - i, i.ToString(CultureInfo.InvariantCulture)))]);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, k).Select(i => new ScottPlot.Tick(i, i.ToString(CultureInfo.InvariantCulture)))]);
        plot.Title($"{run.Model}, {run.Regularizer}, σ {run.Noise.ToString(CultureInfo.InvariantCulture)}: {run.Predictions.Count} test videos");
        plot.XLabel("predicted class");
        plot.YLabel("true class");
        var png = plot.GetImageBytes(600, 520, ScottPlot.ImageFormat.Png);
        AtomicFile.Write(Path.Combine(dir, "confusion_matrix.png"), s => s.Write(png));
    }

    static void PlotNoise(IReadOnlyList<FinishedRun> runs, string path)
    {
        var plot = new ScottPlot.Plot();
        foreach (var group in runs.GroupBy(r => (r.Model, r.Regularizer)))
        {
            var points = group.OrderBy(r => r.Noise).ToList();
            var line = plot.Add.Scatter(points.Select(r => r.Noise).ToArray(), points.Select(r => 100 * r.Top1).ToArray());
            line.LegendText = $"{group.Key.Model}, {group.Key.Regularizer}";
            if (!group.First().Regularized) line.LinePattern = ScottPlot.LinePattern.Dashed;
        }
        plot.XLabel("Gaussian noise σ");
        plot.YLabel("test top-1 (%), mean over splits");
        plot.ShowLegend();
        var png = plot.GetImageBytes(800, 500, ScottPlot.ImageFormat.Png);
        AtomicFile.Write(path, s => s.Write(png));
    }
}
