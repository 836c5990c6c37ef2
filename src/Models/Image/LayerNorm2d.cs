using TorchSharp;
using TorchSharp.Modules;
using VideoVCReg.Runtime;
using static TorchSharp.torch;

namespace VideoVCReg.Models.Image;

/// <summary>torchvision's LayerNorm2d: LayerNorm over channels of an NCHW map (keys `weight`, `bias`).</summary>
public sealed class LayerNorm2d : nn.Module<Tensor, Tensor>
{
    readonly Parameter weight, bias;
    readonly long channels;
    readonly double eps;

    public LayerNorm2d(long channels, double eps = 1e-6) : base(nameof(LayerNorm2d))
    {
        this.channels = channels;
        this.eps = eps;
        weight = new Parameter(ones(channels));
        bias = new Parameter(zeros(channels));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var t = Autocast.Full(x).permute(0, 2, 3, 1);    // (B, H, W, C)
        t = nn.functional.layer_norm(t, [channels], weight, bias, eps);
        return t.permute(0, 3, 1, 2);
    }
}

/// <summary>A parameterless permute, so Sequential indices line up with torchvision's keys.</summary>
public sealed class Permute(params long[] dims) : nn.Module<Tensor, Tensor>(nameof(Permute))
{
    public override Tensor forward(Tensor x) => x.permute(dims);
}
