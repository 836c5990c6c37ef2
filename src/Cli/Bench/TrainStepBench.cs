using System.Diagnostics;
using TorchSharp;
using VideoVCReg.Models;
using VideoVCReg.Models.Image;
using VideoVCReg.Models.Regularization;
using VideoVCReg.Runtime.Data;
using static TorchSharp.torch;

namespace VideoVCReg.Cli.Bench;

/// <summary>
/// `bench train`: one optimiser step (forward, cross-entropy, backward, AdamW) of an image preset's network, without a
/// regularizer and with fast VCReg at the preset's placement. The two alternate within each round, so drift on a shared
/// machine hits both alike; the median over rounds is reported.
/// </summary>
public static class TrainStepBench
{
    public static readonly string[] Variants = ["identity", "fast"];

    public sealed record Result(string Arch, int Size, int Batch, int Rounds, int Sites, IReadOnlyDictionary<string, double> MedianSeconds, double StepGflop);

    /// <summary>The sizes the goals name: ResNet-32 at 32² and batch 256, ConvNeXt-Atto at 64² and batch 64; others their preset's size.</summary>
    public static (int Size, int Batch) Defaults(ImagePreset preset) => preset.Arch switch
    {
        "resnet32" => (32, 256),
        "convnext-atto" => (64, 64),
        _ => (preset.InputSize, 32),
    };

    public static Result Run(ImagePreset preset, int size, int batch, int rounds, int warmup, VcRegOptions options, Device device, CancellationToken cancel,
        Action<string>? progress = null)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(0);
        var model = ImagePresets.Build(preset, classes: 10);
        model.to(device).train();
        var input = randn(batch, 3, size, size, device: device);
        var labels = randint(0, 10, [batch], device: device);
        var optimizer = optim.AdamW(model.parameters(), lr: 1e-3, weight_decay: 0.05);
        var placement = PlacementNames.Parse(preset.Placement);
        double forwardFlop = ForwardFlop(model, input);
        int sites = 0;
        var times = Variants.ToDictionary(v => v, _ => new List<double>());
        for (int round = 0; round < warmup + rounds; round++)
            for (int k = 0; k < Variants.Length; k++)
            {
                cancel.ThrowIfCancellationRequested();
                var v = Variants[(k + round) % Variants.Length];
                using var attached = v == "fast" ? AttachedRegularizer.Attach(model, new VcReg(options, fast: true), placement) : null;
                sites = Math.Max(sites, attached?.SiteCount ?? 0);
                double s = Step(model, optimizer, input, labels, device);
                if (round >= warmup) times[v].Add(s);
                progress?.Invoke($"{preset.Arch} round {round + 1}/{warmup + rounds} {v} {s:F3}s");
            }
        // Backward costs two forwards (input and weight gradients), the usual count for a training step.
        return new Result(preset.Arch, size, batch, rounds, sites, times.ToDictionary(kv => kv.Key, kv => Stats.Median(kv.Value)), 3 * forwardFlop / 1e9);
    }

    static double Step(Network model, optim.Optimizer optimizer, Tensor input, Tensor labels, Device device)
    {
        using var scope = NewDisposeScope();
        if (device.type == DeviceType.CUDA) cuda.synchronize();
        var sw = Stopwatch.StartNew();
        optimizer.zero_grad();
        var loss = nn.functional.cross_entropy(model.call(input), labels);
        loss.backward();
        optimizer.step();
        loss.item<float>();
        if (device.type == DeviceType.CUDA) cuda.synchronize();
        return sw.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// Multiply-adds (×2) of the convolutions and linear layers in one forward, from their weights and output sizes;
    /// attention's own products (ViT) and elementwise work are not counted, so the share of peak is a lower bound there.
    /// </summary>
    static double ForwardFlop(Network model, Tensor input)
    {
        double flop = 0;
        var removers = new List<Action>();
        foreach (var m in model.modules())
        {
            // A module's own `weight` of rank 4 is a convolution's, of rank 2 a linear layer's (torchvision's key, whatever the class:
            // TorchSharp's, the autocast layers, ResNet's PointwiseConv). Each output element of a convolution reads one weight of its
            // input group per multiply-add: weight numel / out channels; of a linear layer, its input width.
            var w = m.named_parameters(recurse: false).Where(p => p.name == "weight").Select(p => (Tensor)p.parameter).FirstOrDefault();
            if (w is null || w.dim() is not (2 or 4) || m is not nn.Module<Tensor, Tensor> layer) continue;
            removers.Add(layer.register_forward_hook((_, _, y) => { flop += 2.0 * y.numel() * (w.numel() / w.shape[0]); return y; }).remove);
        }
        using (no_grad())
        using (NewDisposeScope()) model.call(input);
        foreach (var remove in removers) remove();
        return flop;
    }
}
