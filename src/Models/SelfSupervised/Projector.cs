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
    /// SimCLR's (appendix E of the paper; Chen et al. 2020): Linear → BN after every layer, ReLU between them; the linear
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
