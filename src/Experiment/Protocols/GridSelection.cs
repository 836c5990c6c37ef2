using System.Globalization;
using System.Text;
using VideoVCReg.Runtime.IO;

namespace VideoVCReg.Experiment.Protocols;

/// <summary>
/// How a protocol chooses a VCReg row's α and β before its seeded runs, as the paper does: "a grid search based on
/// validation set accuracy" (§4.3; appendix C.1, C.2 and C.4 give the grids). Each point pretrains once, on the first
/// seed, on the training set less a stratified <see cref="Share"/>, and is scored by its last epoch's accuracy on that
/// share (<see cref="On"/>); the test sets, the probes' included, are never seen. An axis left empty keeps the row's own value.
/// </summary>
/// <param name="On">
/// What a point is scored by: "top1", the paper's "validation set accuracy" (the default, for every protocol), or
/// "mean-class", our option for the long tail, whose hold-out is as imbalanced as its training set while its test set is balanced.
/// </param>
public sealed record GridSelection(IReadOnlyList<double> Alphas, IReadOnlyList<double> Betas, double Share = 0.1, string On = "top1")
{
    public static readonly IReadOnlyList<string> Scores = ["top1", "mean-class"];

    public bool Any => Alphas.Count > 0 || Betas.Count > 0;

    /// <summary>The metrics.jsonl validation field <see cref="On"/> names.</summary>
    public string Metric => On == "mean-class" ? "mean_class_accuracy" : "top1";

    /// <summary>The points in grid order (α outer, β inner); an empty axis is the row's own value.</summary>
    public IReadOnlyList<(double Alpha, double Beta)> Points(double alpha, double beta) =>
        [.. (Alphas.Count > 0 ? Alphas : [alpha]).SelectMany(a => (Betas.Count > 0 ? Betas : [beta]).Select(b => (a, b)))];

    /// <summary>One line per problem: values the regularizer refuses, a share outside (0, 1), a grid too large to mean it.</summary>
    public IEnumerable<string> Problems()
    {
        foreach (var (name, axis) in new[] { ("--select-alpha", Alphas), ("--select-beta", Betas) })
        {
            if (axis.Any(v => !(v >= 0 && double.IsFinite(v)))) yield return $"{name}: every value must be finite and ≥ 0 (got {string.Join(",", axis)})";
            if (axis.Distinct().Count() != axis.Count) yield return $"{name} names a value twice";
        }
        if (!Scores.Contains(On)) yield return $"--select-on must be one of {string.Join(", ", Scores)} (got {On})";
        if (Any && !(Share > 0 && Share < 1)) yield return $"--select-share must be in (0, 1) (got {Share})";
        if (Math.Max(1, Alphas.Count) * Math.Max(1, Betas.Count) > 100) yield return $"--select-alpha × --select-beta is {Math.Max(1, Alphas.Count) * Math.Max(1, Betas.Count)} points; at most 100";
    }

    /// <summary>The point with the highest validation score; a tie goes to the earlier point in grid order.</summary>
    public static int Best(IReadOnlyList<double?> scores, string row = "the row")
    {
        int best = -1;
        for (int i = 0; i < scores.Count; i++)
            if (scores[i] is double s && (best < 0 || s > scores[best]!.Value)) best = i;
        if (best < 0) throw new InvalidOperationException($"{row}: no grid point has a validation score to choose on (every select-* run ended without one)");
        return best;
    }

    /// <summary>The folder of one point's run: select-vcreg-a0.64-b0.04.</summary>
    public static string Folder(string row, double alpha, double beta) =>
        string.Create(CultureInfo.InvariantCulture, $"select-{ProtocolRows.Folder(row)}-a{alpha:R}-b{beta:R}");

    /// <summary>DIR/selection-ROW.md and .csv: every point's validation score and which one the seeded runs use.</summary>
    public void Write(string dir, string row, string label, IReadOnlyList<(double Alpha, double Beta)> points, IReadOnlyList<double?> scores, int chosen)
    {
        var inv = CultureInfo.InvariantCulture;
        string metric = Metric, shown = metric == "top1" ? "top-1" : metric.Replace('_', ' ');
        var md = new StringBuilder($"# {label}: α and β chosen on a {Share.ToString("P0", inv)} validation hold-out of the training set, by its {shown}\n\n");
        md.AppendLine($"| α | β | validation {shown} % | |").AppendLine("| ---: | ---: | ---: | --- |");
        var csv = new StringBuilder($"alpha,beta,validation_{metric},chosen\n");
        for (int i = 0; i < points.Count; i++)
        {
            var (a, b) = points[i];
            md.AppendLine(inv, $"| {a:R} | {b:R} | {(scores[i] is double s ? (s * 100).ToString("F1", inv) : "–")} | {(i == chosen ? "chosen" : "")} |");
            csv.AppendLine(inv, $"{a:R},{b:R},{(scores[i] is double v ? v.ToString("R", inv) : "")},{(i == chosen ? 1 : 0)}");
        }
        md.AppendLine().AppendLine(inv, $"Each point: one pretraining on the first seed, scored by its last epoch; folders {Folder(row, points[0].Alpha, points[0].Beta)} and the like.");
        var name = $"selection-{ProtocolRows.Folder(row)}";
        AtomicFile.WriteText(Path.Combine(dir, name + ".md"), md.ToString());
        AtomicFile.WriteText(Path.Combine(dir, name + ".csv"), csv.ToString());
    }
}
