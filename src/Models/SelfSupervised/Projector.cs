using TorchSharp.Modules;
using static TorchSharp.torch;
using VideoVCReg.Models.Layers;

namespace VideoVCReg.Models.SelfSupervised;

/// <summary>
/// The projection heads of the self-supervised objectives, as <c>nn.Sequential</c> with PyTorch's index names
/// (projector.0.weight, projector.1.running_mean, …), the layout of VICReg's published checkpoints.
/// </summary>
public static class Projector
{
    /// <summary>
    /// Parses "2048-256" (the widths after the backbone's feature width) into widths; a complaint names the option.
    /// </summary>
    public static long[] Widths(string spec)
    {
        var parts = spec.Split('-', StringSplitOptions.TrimEntries);
        var widths = new long[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!long.TryParse(parts[i], out widths[i]) || widths[i] < 1 || widths[i] > 1 << 16)
                throw new ArgumentException($"--projector must be widths joined by '-', each 1 … 65536, such as 2048-256 (got '{spec}')");
        return widths;
    }

    /// <summary>
    /// SimCLR's default widths after a backbone of <paramref name="width"/> features: hidden = width, output = min(256, width).
    /// For ResNet-50 (2048) that is the paper's 2048 → 2048 → 256 (appendix C.5, after Chen et al. 2020); a narrower backbone
    /// keeps the ratio instead of a hidden layer 32 times its own width.
    /// </summary>
    public static long[] SimClrWidths(long width) => [width, Math.Min(256, width)];

    /// <summary>
    /// VICReg's default widths after a backbone of <paramref name="width"/> features: hidden = output = 4 · width. For ResNet-50
    /// (2048) that is the paper's 2048 → 8192 → 8192 (appendix C.5). The ratio is kept rather than the absolute 8192 because
    /// VICReg's own ablation of the expander's dimensionality (Bardes et al. 2022) finds accuracy growing with its width relative
    /// to the representation; 8192 after a 64-wide ResNet-32 is a 67 M-parameter head on a 0.5 M-parameter network, and it,
    /// not the backbone, then sets the step time.
    /// </summary>
    public static long[] VicRegWidths(long width) => [4 * width, 4 * width];

    /// <summary>
    /// SimCLR's (appendix C.5 of the paper; Chen et al. 2020): Linear → BN after every layer, ReLU between them; the linear
    /// layers carry no bias, as batch norm follows each (SimCLR's own code).
    /// </summary>
    public static Sequential SimClr(long input, long[] widths)
    {
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        long width = input;
        for (int i = 0; i < widths.Length; i++)
        {
            layers.Add(($"{layers.Count}", new AutocastLinear(width, widths[i], hasBias: false)));
            layers.Add(($"{layers.Count}", new Norms.BatchNorm(widths[i])));
            if (i < widths.Length - 1) layers.Add(($"{layers.Count}", nn.ReLU()));
            width = widths[i];
        }
        return nn.Sequential(layers);
    }

    /// <summary>VICReg's (Bardes et al. 2022, its main_vicreg.py): Linear → BN → ReLU for every hidden layer, then a bias-free Linear.</summary>
    public static Sequential VicReg(long input, long[] widths)
    {
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        long width = input;
        for (int i = 0; i < widths.Length - 1; i++)
        {
            layers.Add(($"{layers.Count}", new AutocastLinear(width, widths[i])));
            layers.Add(($"{layers.Count}", new Norms.BatchNorm(widths[i])));
            layers.Add(($"{layers.Count}", nn.ReLU()));
            width = widths[i];
        }
        layers.Add(($"{layers.Count}", new AutocastLinear(width, widths[^1], hasBias: false)));
        return nn.Sequential(layers);
    }
}
