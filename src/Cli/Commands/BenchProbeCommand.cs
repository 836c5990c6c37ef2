using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TorchSharp;
using VideoVCReg.Cli.Bench;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Eval;
using VideoVCReg.Runtime.IO;
using static TorchSharp.torch;

namespace VideoVCReg.Cli.Commands;

/// <summary>
/// `videovcreg bench probe`: the 45-λ linear-probe sweep (fit on a share of the training features, score the
/// rest) on fixed features, ours against scikit-learn's (bench/sklearn_probe.py, Debian's /usr/bin/python3) on
/// the same fit and validation rows in the same run; the ratio, and whether both choose the same λ.
/// </summary>
public static class BenchProbeCommand
{
    public static Command Build()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a summary" };
        var samples = new Option<int>("--samples") { Description = "Training features (a fifth held out for validation)", DefaultValueFactory = _ => 5000 };
        var dim = new Option<int>("--dim") { Description = "Feature dimension", DefaultValueFactory = _ => 256 };
        var classes = new Option<int>("--classes") { Description = "Classes", DefaultValueFactory = _ => 10 };
        var lambdas = new Option<int>("--lambdas") { Description = "λ values, log-spaced in [1e-5, 1e5]", DefaultValueFactory = _ => 45 };
        var cmd = new Command("probe", "The linear probe's λ sweep on fixed features vs scikit-learn in the same run") { json, samples, dim, classes, lambdas };
        Verb.SetAction(cmd, ctx =>
        {
            var p = ctx.Parse;
            int n = p.GetValue(samples), d = p.GetValue(dim), c = p.GetValue(classes), count = p.GetValue(lambdas);
            if (n < 10 * c || d < 1 || c < 2 || count < 1 || count > LinearProbe.MaxLambdas)
                throw new ArgumentException($"need --samples ≥ 10 × --classes, --dim ≥ 1, --classes ≥ 2, --lambdas in [1, {LinearProbe.MaxLambdas}] (got {n}, {d}, {c}, {count})");
            var dir = Directory.CreateTempSubdirectory("bench-probe-").FullName;
            try
            {
                var grid = LinearProbe.Lambdas(count);
                var (x, y) = Features(n, d, c);
                var (fitRows, valRows) = LinearProbe.HoldOut(y.data<long>().ToArray(), 0.2, seed: 0);
                using var fi = tensor(fitRows);
                using var vi = tensor(valRows);
                var (fx, fy, vx, vy) = (x.index_select(0, fi), y.index_select(0, fi), x.index_select(0, vi), y.index_select(0, vi));
                NpyFile.Write(Path.Combine(dir, "fit_x.npy"), fx);
                NpyFile.Write(Path.Combine(dir, "fit_y.npy"), fy);
                NpyFile.Write(Path.Combine(dir, "val_x.npy"), vx);
                NpyFile.Write(Path.Combine(dir, "val_y.npy"), vy);

                var watch = Stopwatch.StartNew();
                using var prepared = new LogisticRegression.Prepared(fx);
                var ours = LinearProbe.Sweep(prepared, fy, vx, vy, c, grid).Select(q => (q.Lambda, Top1: q.ValidationTop1, q.Iterations)).ToList();
                double oursSeconds = watch.Elapsed.TotalSeconds;

                var script = Path.Combine(AppContext.BaseDirectory, "bench", "sklearn_probe.py");
                var output = ExternalProcess.Run("/usr/bin/python3", [script, dir, .. grid.Select(l => l.ToString("R", CultureInfo.InvariantCulture))], ctx.Cancel);
                using var doc = JsonDocument.Parse(output);
                double theirSeconds = doc.RootElement.GetProperty("seconds").GetDouble();
                var theirs = doc.RootElement.GetProperty("sweep").EnumerateArray()
                    .Select(e => (Lambda: e.GetProperty("lambda").GetDouble(), Top1: e.GetProperty("validation_top1").GetDouble(), Iterations: e.GetProperty("iterations").GetInt32())).ToList();
                double Best(IEnumerable<(double Lambda, double Top1, int Iterations)> s) => s.OrderByDescending(q => q.Top1).ThenByDescending(q => q.Lambda).First().Lambda;
                var result = new Dictionary<string, object?>
                {
                    ["samples"] = n, ["fit"] = fitRows.Length, ["validation"] = valRows.Length, ["dim"] = d, ["classes"] = c, ["lambdas"] = count,
                    ["threads"] = torch.get_num_threads(),
                    ["ours_s"] = oursSeconds, ["sklearn_s"] = theirSeconds, ["speedup_vs_sklearn"] = theirSeconds / oursSeconds,
                    ["ours_lambda"] = Best(ours), ["sklearn_lambda"] = Best(theirs),
                    ["ours_iterations"] = ours.Sum(q => q.Iterations), ["sklearn_iterations"] = theirs.Sum(q => q.Iterations),
                    ["max_validation_top1_difference"] = ours.Zip(theirs).Max(z => Math.Abs(z.First.Top1 - z.Second.Top1)),
                };
                if (p.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(result));
                else
                    Console.WriteLine(FormattableString.Invariant(
                        $"λ sweep ({count} λ, {fitRows.Length} fit / {valRows.Length} validation features of {d} dims, {c} classes): ours {oursSeconds:F2} s ({result["ours_iterations"]} iterations), scikit-learn {theirSeconds:F2} s ({result["sklearn_iterations"]}); speed-up {theirSeconds / oursSeconds:F2}×; chosen λ {Best(ours):G3} (ours) and {Best(theirs):G3} (scikit-learn); validation top-1 at most {result["max_validation_top1_difference"]:P1} apart"));
                return Task.FromResult(0);
            }
            finally { Directory.Delete(dir, true); }
        });
        return cmd;
    }

    /// <summary>Gaussian classes around random centres, overlapping enough that λ matters; fixed by the seed.</summary>
    static (Tensor X, Tensor Y) Features(int n, int d, int c)
    {
        var g = new Generator(7);
        var centres = randn([c, d], generator: g) * 0.35;
        var y = randint(0, c, [n], dtype: int64, generator: g);
        var x = centres.index_select(0, y) + randn([n, d], generator: g);
        return (x.to(float32), y);
    }
}
