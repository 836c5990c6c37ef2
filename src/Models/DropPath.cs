using TorchSharp;
using static TorchSharp.torch;

namespace VideoVCReg.Models;

/// <summary>Stochastic depth: in training, drops the whole residual branch per sample, rescaling the kept ones.</summary>
public sealed class DropPath(double p) : nn.Module<Tensor, Tensor>("DropPath")
{
    public double P { get; } = p;

    public override Tensor forward(Tensor x)
    {
        if (!training || P <= 0) return x;
        double keep = 1 - P;
        using var scope = NewDisposeScope();
        var shape = new long[x.dim()];
        Array.Fill(shape, 1L);
        shape[0] = x.shape[0];
        var mask = torch.empty(shape, x.dtype, x.device).bernoulli_(keep);
        return (x * mask / keep).MoveToOuterDisposeScope();
    }
}
