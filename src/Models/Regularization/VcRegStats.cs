using TorchSharp;
using static TorchSharp.torch;

namespace VideoVCReg.Models.Regularization;

/// <summary>
/// ℓ_var and ℓ_cov as seen by the fast variant's backward, summed over the calls since the last
/// <see cref="Take"/>, for logging. One per site, each passing its terms on to the regularizer's total.
/// Only allocated when logging is on; otherwise the backward skips this work entirely.
/// </summary>
public sealed class VcRegStats(VcRegStats? total = null)
{
    readonly object gate = new();
    Tensor? var, cov;

    internal void Record(Tensor covariance, VcRegOptions o)
    {
        using var _ = no_grad();
        var (lvar, lcov) = VcRegLoss.OfCovariance(covariance, o);
        Tensor v = lvar.detach(), c = lcov.detach();
        Add(v, c);
        total?.Add(v, c);
    }

    internal void Add(Tensor v, Tensor c)
    {
        lock (gate)
        {
            var = var is null ? v.clone().DetachFromDisposeScope() : Accumulate(var, v);
            cov = cov is null ? c.clone().DetachFromDisposeScope() : Accumulate(cov, c);
        }
    }

    static Tensor Accumulate(Tensor total, Tensor add) { total.add_(add); return total; }

    /// <summary>Returns and clears the totals since the last call (0, 0 when nothing was recorded).</summary>
    public (double Var, double Cov) Take()
    {
        lock (gate)
        {
            var result = (var?.ToDouble() ?? 0.0, cov?.ToDouble() ?? 0.0);
            var?.Dispose(); cov?.Dispose();
            var = cov = null;
            return result;
        }
    }
}
