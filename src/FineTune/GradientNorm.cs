using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VideoVCReg.FineTune;

/// <summary>The L2 norm of all gradients together (clip_grad_norm_'s total norm); 0 when no parameter has one.</summary>
static class GradientNorm
{
    public static double Of(IEnumerable<Parameter> parameters)
    {
        using var scope = NewDisposeScope();
        var norms = parameters.Where(p => p.grad is not null).Select(p => p.grad!.norm()).ToList();
        return norms.Count == 0 ? 0 : stack(norms).norm().ToDouble();
    }
}
