using System.Diagnostics;
using TorchSharp;
using VideoVCReg.Models.Image;
using VideoVCReg.Models.Regularization;
using VideoVCReg.Runtime.Data;
using static TorchSharp.torch;

namespace VideoVCReg.Cli.Bench;

/// <summary>
/// Paper Table 8: forward + backward time of a whole network with a layer inserted after every block:
/// identity, naive VCReg, fast VCReg, BatchNorm. Variants alternate within each round (order rotated)
/// so drift on a shared machine hits them alike; the median of the rounds is reported.
/// </summary>
public static class VcRegBench
{
    public static readonly string[] Variants = ["identity", "naive", "fast", "bn"];

    public sealed record NetworkResult(string Network, int InsertedLayers, int Batch, int Rounds,
        IReadOnlyDictionary<string, double> MedianSeconds, IReadOnlyDictionary<string, double> Ratios,
        IReadOnlyDictionary<string, double> LayerSeconds, double FastGflop, IReadOnlyDictionary<string, double> PairedRatios)
    {
        /// <summary>
        /// 1 + the inserted layers' own time over the identity network's step: the ratio the whole-network one
        /// tends to, without its noise (on a shared 2-core machine that swings by ±5 %, more than the effect).
        /// </summary>
        public IReadOnlyDictionary<string, double> LayerRatios => LayerSeconds.ToDictionary(
            kv => kv.Key, kv => 1 + (kv.Value - LayerSeconds["identity"]) / MedianSeconds["identity"]);

        /// <summary>
        /// The fast layers' own time: their layers-only time less identity's, which is the timing harness itself (the
        /// upstream product, its sum, the gradient's accumulation), paid by every variant alike.
        /// </summary>
        public double FastLayerOwnSeconds => Math.Max(LayerSeconds["fast"] - LayerSeconds["identity"], 1e-9);
    }

    /// <param name="siteKind">"blocks" (every block's output, the paper's Table 8) or "downsample" (the network's downsampling layers).</param>
    public static NetworkResult Run(string network, Device device, int batch, int rounds, int warmup, VcRegOptions options, CancellationToken cancel,
        Action<string>? progress = null, string siteKind = "blocks")
    {
        var model = CreateModel(network, device);
        var sites = Sites(model, siteKind, network);
        var input = randn(batch, 3, 224, 224, device: device);
        var regs = Regularizers(options, device);
        var times = Variants.ToDictionary(v => v, _ => new List<double>());
        for (int round = 0; round < warmup + rounds; round++)
        {
            for (int k = 0; k < Variants.Length; k++)
            {
                cancel.ThrowIfCancellationRequested();
                var v = Variants[(k + round) % Variants.Length];
                double s = Step(model, sites, regs[v], input, device);
                if (round >= warmup) times[v].Add(s);
                progress?.Invoke($"{network} round {round + 1}/{warmup + rounds} {v} {s:F3}s");
            }
        }
        var median = times.ToDictionary(kv => kv.Key, kv => Stats.Median(kv.Value));
        var ratios = median.ToDictionary(kv => kv.Key, kv => kv.Value / median["identity"]);
        var paired = PairedRatios(times);
        var (layerSeconds, shapes) = LayerOnly(model, sites, input, regs, device, rounds);
        return new NetworkResult(network, sites.Count, batch, rounds, median, ratios, layerSeconds, FastBackwardFlop(shapes, options.Layout) / 1e9, paired);
    }

    /// <summary>
    /// Per variant, the median over rounds of its time over identity's in the same round (times[v][i] is round i). Each round
    /// times every variant back to back, so a round's own ratio cancels what drifts between rounds, which the ratio of
    /// medians does not.
    /// </summary>
    public static Dictionary<string, double> PairedRatios(IReadOnlyDictionary<string, List<double>> times) =>
        times.ToDictionary(kv => kv.Key, kv => Stats.Median(kv.Value.Select((t, i) => t / times["identity"][i])));

    /// <summary>The network in training mode on <paramref name="device"/>, its weights from seed 0.</summary>
    public static Models.Network CreateModel(string network, Device device)
    {
        torch.manual_seed(0);
        Models.Network model = network switch
        {
            "vit_b_32" => VitImage.B32(),
            "convnext_tiny" => ConvNeXt.Tiny(),
            "resnet50" => ResNet.R50(),
            _ => throw new ArgumentException($"unknown network '{network}': expected vit_b_32, convnext_tiny or resnet50"),
        };
        model.to(device).train();
        return model;
    }

    /// <summary>Table 8's variants: identity, naive VCReg, fast VCReg and BatchNorm, each a layer inserted at the sites.</summary>
    public static Dictionary<string, FeatureRegularizer> Regularizers(VcRegOptions options, Device device) => new()
    {
        ["identity"] = new PassThrough(),
        ["naive"] = new VcReg(options, fast: false),
        ["fast"] = new VcReg(options, fast: true),
        ["bn"] = new InsertedBatchNorm(device),
    };

    /// <summary>
    /// The inserted layers alone: forward + backward of each variant on tensors of the sites' real shapes and
    /// strides (a block output that is a channels-last view stays one here, so a layer that must copy it to form its
    /// samples pays that copy here too), summed over sites. This isolates the regularizer's own cost, which
    /// whole-network timings on a busy machine bury in noise.
    /// </summary>
    static (Dictionary<string, double> Seconds, List<long[]> Shapes) LayerOnly(nn.Module<Tensor, Tensor> model, IReadOnlyList<nn.Module<Tensor, Tensor>> sites,
        Tensor input, Dictionary<string, FeatureRegularizer> regs, Device device, int rounds)
    {
        var shapes = new List<(long[] Shape, long[] Strides)>();
        using (var probe = AttachedRegularizer.AttachTo(sites, new ShapeProbe(shapes)))
        using (no_grad()) model.call(input);
        var times = Variants.ToDictionary(v => v, _ => new List<double>());
        for (int round = 0; round < rounds + 1; round++)
            for (int k = 0; k < Variants.Length; k++)
            {
                var v = Variants[(k + round) % Variants.Length];
                double total = 0;
                foreach (var (shape, strides) in shapes)
                {
                    using var scope = NewDisposeScope();
                    var x = empty_strided(shape, strides, device: device);
                    using (no_grad()) x.normal_();
                    x.requires_grad_(true);
                    var upstream = empty_strided(shape, strides, device: device);
                    upstream.normal_();
                    if (device.type == DeviceType.CUDA) cuda.synchronize();
                    var sw = Stopwatch.StartNew();
                    var loss = (regs[v].Apply(x) * upstream).sum();
                    if (regs[v].TakeLoss() is Tensor extra) loss = loss + extra;
                    loss.backward();
                    regs[v].AfterBackward();
                    if (device.type == DeviceType.CUDA) cuda.synchronize(); else _ = x.grad!.sum().item<float>();
                    total += sw.Elapsed.TotalSeconds;
                }
                if (round > 0) times[v].Add(total);
            }
        return (times.ToDictionary(kv => kv.Key, kv => Stats.Median(kv.Value)), [.. shapes.Select(s => s.Shape)]);
    }

    /// <summary>
    /// The fast backward's arithmetic per step, from the sites' shapes as <c>VcRegFunction</c> splits them into n samples of
    /// d features: the covariance xᵀx and the product x·M, 2nd² each (4nd²), or on its Gram path (n &lt; d) x xᵀ and
    /// (x xᵀ)·x, 4n²d. Elementwise work (centring, the diagonal) is left out: it is O(nd).
    /// </summary>
    public static double FastBackwardFlop(IEnumerable<long[]> shapes, FeatureLayout layout)
    {
        double total = 0;
        foreach (var shape in shapes)
        {
            bool channelsFirst = shape.Length > 2 && layout switch
            {
                FeatureLayout.ChannelsFirst => true,
                FeatureLayout.ChannelsLast => false,
                _ => shape.Length >= 4,
            };
            double d = channelsFirst ? shape[1] : shape[^1], n = shape.Aggregate(1.0, (a, b) => a * b) / d;
            if (n < 2) continue;
            total += n < d ? 4 * n * n * d : 4 * n * d * d;
        }
        return total;
    }

    sealed class ShapeProbe(List<(long[], long[])> shapes) : FeatureRegularizer
    {
        public override Tensor Apply(Tensor features) { shapes.Add((features.shape, features.stride())); return features; }
    }

    /// <summary>The sites' memory layouts, for the report: how many site outputs are not plain contiguous tensors.</summary>
    public static IReadOnlyList<nn.Module<Tensor, Tensor>> Sites(Models.Network model, string kind, string network)
    {
        var sites = kind switch
        {
            "blocks" => model.BlockModules,
            "downsample" => model.DownsampleModules,
            _ => throw new ArgumentException($"--sites must be blocks or downsample (got '{kind}')"),
        };
        return sites.Count > 0 ? sites : throw new ArgumentException($"{network} has no {kind} sites");
    }

    public static int NonContiguousSites(string network, Device device, string siteKind = "blocks")
    {
        using var model = CreateModel(network, device);
        var shapes = new List<(long[] Shape, long[] Strides)>();
        using (AttachedRegularizer.AttachTo(Sites(model, siteKind, network), new ShapeProbe(shapes)))
        using (no_grad()) model.call(randn(1, 3, 224, 224, device: device));
        return shapes.Count(s => !s.Strides.SequenceEqual(Contiguous(s.Shape)));
    }

    static long[] Contiguous(long[] shape)
    {
        var strides = new long[shape.Length];
        long acc = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { strides[i] = acc; acc *= shape[i]; }
        return strides;
    }

    static double Step(nn.Module<Tensor, Tensor> model, IReadOnlyList<nn.Module<Tensor, Tensor>> sites,
        FeatureRegularizer reg, Tensor input, Device device)
    {
        using var attached = AttachedRegularizer.AttachTo(sites, reg);
        using var scope = NewDisposeScope();
        model.zero_grad();
        if (device.type == DeviceType.CUDA) cuda.synchronize();
        var sw = Stopwatch.StartNew();
        var loss = model.call(input).logsumexp(1).mean();
        var extra = reg.TakeLoss();
        if (extra is not null) loss = loss + extra;
        loss.backward();
        reg.AfterBackward();
        if (device.type == DeviceType.CUDA) cuda.synchronize();
        else _ = loss.item<float>();
        return sw.Elapsed.TotalSeconds;
    }
}
