using static TorchSharp.torch;

namespace VideoVCReg.Models;

/// <summary>
/// timm/PyTorch's trunc_normal_(std, a = −2, b = 2) by rejection: draw N(mean, std²), redraw what falls outside
/// [a, b]. TorchSharp 0.107's nn.init.trunc_normal_ now and then leaves NaN in large tensors (seen on
/// VideoMAE-S MLP weights), so this replaces it. Bounds are absolute, as in PyTorch.
/// </summary>
public static class TruncatedNormal
{
    public static void Fill(Tensor p, double std, double mean = 0, double a = -2, double b = 2)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        p.normal_(mean, std);
        for (int round = 0; round < 100; round++)
        {
            var outside = (p < a) | (p > b);
            if (!outside.any().item<bool>()) return;
            p.masked_scatter_(outside, empty_like(p).normal_(mean, std).masked_select(outside));
        }
        p.clamp_(a, b); // only reachable when [a, b] holds almost no mass
    }
}
