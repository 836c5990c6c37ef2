using static TorchSharp.torch;

namespace VideoVCReg.Models;

/// <summary>Drop path per sample (Huang et al., 2016) with the survivors rescaled, as timm and torchvision do.</summary>
public static class StochasticDepth
{
    public static Tensor Apply(Tensor x, double p, bool training)
    {
        if (!training || p <= 0) return x;
        var shape = new long[x.dim()];
        Array.Fill(shape, 1L);
        shape[0] = x.shape[0];
        var keep = empty(shape, x.dtype, x.device).bernoulli_(1 - p).div_(1 - p);
        return x * keep;
    }
}
