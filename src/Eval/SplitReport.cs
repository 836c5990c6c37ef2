using VideoVCReg.Runtime.IO;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace VideoVCReg.Eval;

/// <summary>One split's run: its test result and, per epoch, the training loss and validation top-1 (when any).</summary>
public sealed record SplitOutcome(int Split, EvalResult Test, IReadOnlyList<double> TrainLoss, IReadOnlyList<double?> ValidationTop1);

/// <summary>
/// The report over splits, as papers give it: per-split test accuracy and the mean (± sample std over splits),
/// written as report.md (a table), report.json, test_accuracy.png (top-1 per split and the mean) and
/// training_curves.png (training loss and validation top-1 per epoch, one line per split).
/// </summary>
public static class SplitReport
{
    public sealed record Summary(double Top1, double Top1Std, double Top5, double Top5Std, double MeanClassAccuracy, double MeanClassStd);

    public static Summary Summarise(IReadOnlyList<SplitOutcome> splits)
    {
        if (splits.Count == 0) throw new ArgumentException("no split to report");
        (double Mean, double Std) Stat(Func<EvalResult, double> f)
        {
            var xs = splits.Select(s => f(s.Test)).ToArray();
            double mean = xs.Average();
            double std = xs.Length < 2 ? 0 : Math.Sqrt(xs.Sum(x => (x - mean) * (x - mean)) / (xs.Length - 1));
            return (mean, std);
        }
        var (t1, s1) = Stat(r => r.Top1);
        var (t5, s5) = Stat(r => r.Top5);
        var (mc, smc) = Stat(r => r.MeanClassAccuracy);
        return new Summary(t1, s1, t5, s5, mc, smc);
    }

    public static Summary Write(string dir, string title, IReadOnlyList<SplitOutcome> splits)
    {
        Directory.CreateDirectory(dir);
        var summary = Summarise(splits);
        static string P(double x) => (100 * x).ToString("F1", CultureInfo.InvariantCulture);
        var md = new StringBuilder();
        md.AppendLine($"# {title}").AppendLine();
        md.AppendLine("| split | videos | views | top-1 (%) | top-5 (%) | mean class (%) |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var s in splits)
            md.AppendLine($"| {s.Split} | {s.Test.Videos} | {s.Test.Views} | {P(s.Test.Top1)} | {P(s.Test.Top5)} | {P(s.Test.MeanClassAccuracy)} |");
        string Pm(double m, double sd) => splits.Count > 1 ? $"{P(m)} ± {P(sd)}" : P(m);
        md.AppendLine($"| mean | | | {Pm(summary.Top1, summary.Top1Std)} | {Pm(summary.Top5, summary.Top5Std)} | {Pm(summary.MeanClassAccuracy, summary.MeanClassStd)} |");
        if (splits.Count > 1) md.AppendLine().AppendLine("± is the sample standard deviation over splits.");
        Atomic(Path.Combine(dir, "report.md"), md.ToString());
        var json = new
        {
            title,
            splits = splits.Select(s => new { split = s.Split, s.Test.Videos, s.Test.Views, s.Test.Top1, s.Test.Top5, mean_class_accuracy = s.Test.MeanClassAccuracy }),
            mean = summary,
        };
        Atomic(Path.Combine(dir, "report.json"), JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }.NonFiniteAsNull()));
        PlotAccuracy(Path.Combine(dir, "test_accuracy.png"), title, splits, summary);
        PlotCurves(Path.Combine(dir, "training_curves.png"), splits);
        return summary;
    }

    static void PlotAccuracy(string path, string title, IReadOnlyList<SplitOutcome> splits, Summary summary)
    {
        var plot = new ScottPlot.Plot();
        var values = splits.Select(s => 100 * s.Test.Top1).Append(100 * summary.Top1).ToArray();
        var bars = plot.Add.Bars(values);
        var ticks = splits.Select((s, i) => new ScottPlot.Tick(i, $"split {s.Split}")).Append(new ScottPlot.Tick(splits.Count, "mean")).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        plot.Axes.SetLimitsY(0, 100);
        plot.YLabel("test top-1 (%)");
        plot.Title(title);
        Save(plot, path);
    }

    static void PlotCurves(string path, IReadOnlyList<SplitOutcome> splits)
    {
        var plot = new ScottPlot.Plot();
        foreach (var s in splits)
        {
            var epochs = Enumerable.Range(1, s.TrainLoss.Count).Select(e => (double)e).ToArray();
            var loss = plot.Add.Scatter(epochs, s.TrainLoss.ToArray());
            loss.LegendText = $"split {s.Split} training loss";
            var val = s.ValidationTop1.Select((v, i) => (v, i)).Where(p => p.v.HasValue).ToArray();
            if (val.Length == 0) continue;
            var acc = plot.Add.Scatter(val.Select(p => p.i + 1.0).ToArray(), val.Select(p => p.v!.Value).ToArray());
            acc.LegendText = $"split {s.Split} validation top-1";
            acc.LinePattern = ScottPlot.LinePattern.Dashed;
        }
        plot.XLabel("epoch");
        plot.YLabel("training loss; validation top-1 (0-1)");
        plot.ShowLegend();
        Save(plot, path);
    }

    static void Save(ScottPlot.Plot plot, string path)
    {
        var png = plot.GetImageBytes(800, 500, ScottPlot.ImageFormat.Png);
        AtomicFile.Write(path, s => s.Write(png));
    }

    static void Atomic(string path, string text) => AtomicFile.WriteText(path, text);
}
