using System.Diagnostics;
using TorchSharp;
using VideoVCReg.Models;
using VideoVCReg.Models.Image;
using VideoVCReg.Runtime;
using VideoVCReg.Runtime.Data;
using static TorchSharp.torch;

namespace VideoVCReg.Cli.Bench;

/// <summary>
/// `--amp` against float32 on one network: a training step's time both ways (alternating, median), and how far the
/// mixed-precision step is from the float32 one from the same weights: the logits' largest difference relative to their
/// largest value, and the cosine between the two gradients over all parameters.
/// </summary>
public static class AmpBench
{
    public sealed record Result(string Network, string Input, int Batch, int Rounds, double Float32Seconds, double AmpSeconds,
        double LogitsRelativeError, double GradientCosine)
    {
        /// <summary>float32's step time over --amp's: above 1 when mixed precision is faster.</summary>
        public double Speedup => Float32Seconds / AmpSeconds;
    }

    public static readonly string[] Networks = ["videomae-s", "resnet18", "resnet32", "resnet50", "convnext-t", "convnext-atto", "vit-b32"];

    const int Classes = 10;

    /// <param name="size">Input side; null: the preset's (224 for ImageNet models, 32 for ResNet-32; videomae-s 16×224²).</param>
    public static Result Run(string network, Device device, int batch, int? size, int frames, int rounds, CancellationToken cancel,
        ScalarType type = ScalarType.BFloat16)
    {
        manual_seed(0);
        Network net;
        long[] shape;
        if (network == "videomae-s")
        {
            var c = ModelPresets.Get("videomae-s") with { Frames = frames, ImageSize = size ?? 224, NumClasses = Classes };
            net = new VisionTransformer(c);
            shape = [batch, 3, frames, c.ImageSize, c.ImageSize];
        }
        else
        {
            var preset = ImagePresets.Get(network);
            if (size is int s) preset = preset with { InputSize = s };
            net = ImagePresets.Build(preset, Classes);
            shape = [batch, 3, preset.InputSize, preset.InputSize];
        }
        // Evaluation mode: stochastic depth and dropout would draw differently in the two steps; batch norms use running statistics.
        net.to(device).eval();
        var x = randn(shape, device: device);
        var labels = arange(batch, device: device).remainder(Classes);
        var (full, gFull) = Step(net, x, labels, amp: false, device);
        var (low, gLow) = Step(net, x, labels, amp: true, device, type);
        double error = (low - full).abs().max().ToDouble() / Math.Max(full.abs().max().ToDouble(), 1e-30);
        // In float64: float32 sums over ViT-B/32's 88 M gradients drift past a cosine of 1.
        var (a, b) = (gLow.to_type(ScalarType.Float64), gFull.to_type(ScalarType.Float64));
        double cosine = (a * b).sum().ToDouble() / (a.norm().ToDouble() * b.norm().ToDouble());
        var times = new Dictionary<bool, List<double>> { [false] = [], [true] = [] };
        for (int round = 0; round < rounds + 1; round++)
            foreach (var amp in round % 2 == 0 ? new[] { false, true } : [true, false])
            {
                cancel.ThrowIfCancellationRequested();
                var watch = Stopwatch.StartNew();
                using (NewDisposeScope()) Step(net, x, labels, amp, device, type);
                if (round > 0) times[amp].Add(watch.Elapsed.TotalSeconds); // round 0 warms both up
            }
        return new Result(network, string.Join("×", shape.Skip(1)), batch, rounds, Stats.Median(times[false]), Stats.Median(times[true]), error, cosine);
    }

    /// <summary>One forward and backward; the logits in float32 and every parameter's gradient, flattened into one vector.</summary>
    static (Tensor Logits, Tensor Gradient) Step(Network net, Tensor x, Tensor labels, bool amp, Device device, ScalarType type = ScalarType.BFloat16)
    {
        net.zero_grad();
        Tensor logits;
        using (Autocast.Enter(amp ? type : null)) logits = Autocast.Full(net.call(x));
        nn.functional.cross_entropy(logits, labels).backward();
        var gradient = cat(net.parameters().Where(p => p.grad is not null).Select(p => p.grad!.flatten()).ToList());
        if (device.type == DeviceType.CUDA) cuda.synchronize();
        return (logits.detach(), gradient);
    }
}
