using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using TorchSharp;
using VideoVCReg.Decoding;
using VideoVCReg.Eval;
using VideoVCReg.FineTune;
using VideoVCReg.Runtime.IO;
using VideoVCReg.Models.Regularization;
using VideoVCReg.Models.Toy;
using VideoVCReg.Runtime.Data;
using static TorchSharp.torch;

namespace VideoVCReg.Experiment.Demos;

/// <summary>The demonstration's settings: the data's margins, the network, the loop, the seeds.</summary>
public sealed record TwoMoonsOptions
{
    public int Seeds { get; init; } = 10;
    public int TrainPoints { get; init; } = 256;
    public int TestPoints { get; init; } = 512;
    /// <summary>Vertical gap between the moons in training: wide, so a straight line separates them.</summary>
    public double TrainMargin { get; init; } = 1.0;
    /// <summary>The test moons' gap: negative, so they interleave and only a boundary that follows the curves separates them.</summary>
    public double TestMargin { get; init; } = -0.3;
    public double Noise { get; init; } = 0.05;
    public int Width { get; init; } = 100;
    public int Epochs { get; init; } = 40;
    public int BatchSize { get; init; } = 32;
    public double Lr { get; init; } = 0.01;
    public double WeightDecay { get; init; } = 1e-3;
    public double Dropout { get; init; } = 0.2;
    public double SpectralDecoupling { get; init; } = 0.01;
    public VcRegOptions VcReg { get; init; } = new();

    public IReadOnlyList<string> Problems()
    {
        var p = new List<string>();
        if (Seeds < 1) p.Add($"--seeds must be ≥ 1 (got {Seeds})");
        if (Epochs < 1) p.Add($"--epochs must be ≥ 1 (got {Epochs})");
        if (TrainPoints < 2 * BatchSize) p.Add($"--points must be at least twice the batch {BatchSize} (got {TrainPoints})");
        return p;
    }
}

/// <summary>One method's result: test accuracy on the shifted moons over the seeds, and training accuracy.</summary>
public sealed record MoonsResult(string Method, double TestMean, double TestStd, double TrainMean, IReadOnlyList<double> TestPerSeed);

/// <summary>
/// The paper's §5.1 (Figures 2 and 5), after Pezeshki et al.: two moons with a wide margin, where a straight line
/// already separates the training set, so the network's gradient starves the curved feature. A 3-layer MLP is trained
/// with no regularizer, L2, dropout, batch norm, spectral decoupling and VCReg (after both hidden layers), each over
/// several seeds, by the one training loop; then tested on moons whose margin is shifted until they interleave.
/// The figure shows each method's decision boundary averaged over the seeds (the mean predicted probability).
/// </summary>
public sealed class TwoMoons(TwoMoonsOptions options, CancellationToken cancel = default)
{
    public static readonly string[] Methods = ["none", "l2", "dropout", "batch-norm", "spectral-decoupling", "vcreg"];

    /// <summary>
    /// n points, half a class each: class 0 on the upper arc (cos t, sin t) raised by margin/2, class 1 on the lower
    /// arc (1 − cos t, 0.5 − sin t) lowered by margin/2, t uniform in [0, π], Gaussian noise σ; seeded.
    /// </summary>
    public static (Tensor X, Tensor Y) Data(int n, double margin, double noise, int seed)
    {
        var rng = new Random(seed);
        var x = new float[n * 2];
        var y = new long[n];
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        for (int i = 0; i < n; i++)
        {
            double t = Math.PI * rng.NextDouble();
            int c = i % 2;
            double px = c == 0 ? Math.Cos(t) : 1 - Math.Cos(t);
            double py = c == 0 ? Math.Sin(t) + margin / 2 : 0.5 - Math.Sin(t) - margin / 2;
            x[2 * i] = (float)(px + noise * Gauss());
            x[2 * i + 1] = (float)(py + noise * Gauss());
            y[i] = c;
        }
        return (tensor(x, [n, 2]), tensor(y));
    }

    public IReadOnlyList<MoonsResult> Run(string outDir)
    {
        if (options.Problems() is { Count: > 0 } problems) throw new ArgumentException(string.Join("; ", problems));
        Directory.CreateDirectory(outDir);
        var (gridX, cols, rows) = Grid();
        var results = new List<MoonsResult>();
        var maps = new Dictionary<string, float[]>();
        foreach (var method in Methods)
        {
            var test = new List<double>();
            var train = new List<double>();
            var probability = new double[cols * rows];
            for (int seed = 0; seed < options.Seeds; seed++)
            {
                cancel.ThrowIfCancellationRequested();
                var (tr, te, p) = Train(method, seed, gridX, outDir);
                train.Add(tr);
                test.Add(te);
                for (int i = 0; i < p.Length; i++) probability[i] += p[i] / options.Seeds;
            }
            double mean = test.Average();
            double std = test.Count > 1 ? Math.Sqrt(test.Sum(v => (v - mean) * (v - mean)) / (test.Count - 1)) : 0;
            results.Add(new MoonsResult(method, mean, std, train.Average(), test));
            maps[method] = [.. probability.Select(v => (float)v)];
        }
        AtomicFile.WriteText(Path.Combine(outDir, "two_moons.json"), JsonSerializer.Serialize(new { options, results },
            new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
        Figure(maps, results, cols, rows, Path.Combine(outDir, "two_moons.png"));
        return results;
    }

    (double Train, double Test, float[] Probability) Train(string method, int seed, Tensor grid, string dir)
    {
        using var scope = NewDisposeScope();
        manual_seed(seed);
        var model = new ThreeLayerMlp(2, options.Width, 2, batchNorm: method == "batch-norm", dropout: method == "dropout" ? options.Dropout : 0);
        var (x, y) = Data(options.TrainPoints, options.TrainMargin, options.Noise, Seeds.Mix(seed, 1, 0x2a0));
        var (tx, ty) = Data(options.TestPoints, options.TestMargin, options.Noise, Seeds.Mix(seed, 2, 0x2a0));
        var recipe = new TrainOptions
        {
            Optimizer = "adam", Epochs = options.Epochs, BatchSize = options.BatchSize, BaseLr = options.Lr * 256 / options.BatchSize, MinLr = 0,
            WarmupEpochs = 0, WeightDecay = method == "l2" ? options.WeightDecay : 0, LayerDecay = 1, LabelSmoothing = 0, Mixup = 0, Cutmix = 0,
            RepeatedAugment = 1,
        };
        (FeatureRegularizer, Placement)? regularization = method switch
        {
            "vcreg" => (new VcReg(options.VcReg, fast: true), Placement.Blocks),
            "spectral-decoupling" => (new SpectralDecoupling((TorchSharp.Modules.Linear)model.HeadInput, options.SpectralDecoupling), Placement.Head),
            _ => null,
        };
        var set = new FeatureSet(x, y);
        new Trainer(model, recipe, CPU, NullLogger.Instance) { Regularization = regularization, Seed = seed, WriteMetrics = false }
            .Fit(Probe.FeatureBatches.Train(set, options.BatchSize, seed), dir, cancel);
        double Accuracy(Tensor px, Tensor py) => Evaluator.Run(model, Probe.FeatureBatches.InOrder(new FeatureSet(px, py), 256), CPU, cancel).Top1;
        double trainAcc = Accuracy(x, y), testAcc = Accuracy(tx, ty);
        model.eval();
        using var _ = no_grad();
        var p = nn.functional.softmax(model.call(grid), 1)[.., 1].contiguous().data<float>().ToArray();
        return (trainAcc, testAcc, p);
    }

    /// <summary>The plot's area, [−1.5, 2.5] × [−1.75, 2.25], as points in row-major order from the top.</summary>
    static (Tensor Points, int Cols, int Rows) Grid()
    {
        const int cols = 120, rows = 120;
        var pts = new float[cols * rows * 2];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                pts[2 * (r * cols + c)] = (float)(-1.5 + 4.0 * c / (cols - 1));
                pts[2 * (r * cols + c) + 1] = (float)(2.25 - 4.0 * r / (rows - 1));
            }
        return (tensor(pts, [cols * rows, 2]), cols, rows);
    }

    /// <summary>One panel per method (ScottPlot): the mean predicted probability of the lower moon's class as a heat map,
    /// the 0.5 level (the averaged decision boundary) as black dots, and the shifted test moons; laid out three by two.</summary>
    void Figure(Dictionary<string, float[]> maps, IReadOnlyList<MoonsResult> results, int cols, int rows, string path)
    {
        const int pw = 420, ph = 380;
        var (tx, ty) = Data(options.TestPoints, options.TestMargin, options.Noise, Seeds.Mix(0, 2, 0x2a0));
        var points = tx.data<float>().ToArray();
        var labels = ty.data<long>().ToArray();
        using var figure = new Image<Rgb24>(3 * pw, 2 * ph, new Rgb24(255, 255, 255));
        for (int m = 0; m < Methods.Length; m++)
        {
            var map = maps[Methods[m]];
            var plot = new ScottPlot.Plot();
            var data = new double[rows, cols];
            var edgeX = new List<double>();
            var edgeY = new List<double>();
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                {
                    float v = map[r * cols + c];
                    data[r, c] = v;
                    bool edge = (c + 1 < cols && (map[r * cols + c + 1] >= 0.5f) != (v >= 0.5f)) || (r + 1 < rows && (map[(r + 1) * cols + c] >= 0.5f) != (v >= 0.5f));
                    if (edge) { edgeX.Add(-1.5 + 4.0 * c / (cols - 1)); edgeY.Add(2.25 - 4.0 * r / (rows - 1)); }
                }
            var heat = plot.Add.Heatmap(data);
            heat.Extent = new ScottPlot.CoordinateRect(-1.5, 2.5, -1.75, 2.25);
            heat.Colormap = new ScottPlot.Colormaps.Viridis();
            foreach (int c in new[] { 0, 1 })
            {
                var idx = Enumerable.Range(0, labels.Length).Where(i => labels[i] == c).ToArray();
                var dots = plot.Add.ScatterPoints(idx.Select(i => (double)points[2 * i]).ToArray(), idx.Select(i => (double)points[2 * i + 1]).ToArray());
                dots.Color = c == 0 ? ScottPlot.Colors.White : ScottPlot.Colors.OrangeRed;
                dots.MarkerSize = 3;
            }
            var boundary = plot.Add.ScatterPoints(edgeX.ToArray(), edgeY.ToArray());
            boundary.Color = ScottPlot.Colors.Black;
            boundary.MarkerSize = 2;
            var result = results[m];
            plot.Title(string.Create(CultureInfo.InvariantCulture, $"{Methods[m]}: shifted test {100 * result.TestMean:F1} ± {100 * result.TestStd:F1} %"));
            plot.Axes.SetLimits(-1.5, 2.5, -1.75, 2.25);
            using var panel = Image.Load<Rgb24>(plot.GetImageBytes(pw, ph, ScottPlot.ImageFormat.Png));
            figure.Mutate(x => x.DrawImage(panel, new Point((m % 3) * pw, (m / 3) * ph), 1f));
        }
        AtomicFile.Write(path, stream => figure.SaveAsPng(stream));
    }
}
