using static TorchSharp.torch;

namespace VideoVCReg.Models.Regularization;

/// <summary>The VCReg terms as differentiable tensors (the naive variant, and the reference for the fast one).</summary>
public static class VcRegLoss
{
    /// <summary>
    /// ℓ_var = (1/d) Σ_i max(0, 1 − sqrt(C_ii + ε)) and ℓ_cov = Σ_{i≠j} f(C_ij) / (d(d−1)) with f(x) = x²,
    /// or eq. 6's smooth-L1 when δ is set; C is the covariance of the batch-demeaned samples with 1/(n−1).
    /// </summary>
    public static (Tensor Var, Tensor Cov) Terms(Tensor features, VcRegOptions o)
    {
        var x = FeatureSamples.ToMatrix(features, o.Layout).to_type(FeatureSamples.ComputeType(features));
        long n = x.shape[0], d = x.shape[1];
        // One sample has no covariance: no loss, as the fast variant adds no gradient (a batch can shrink to one
        // clip when videos fail to decode).
        if (n < 2) { var zero = (x * 0).sum(); return (zero, zero); }
        var xc = x - x.mean([0], keepdim: true);
        var c = xc.t().matmul(xc) / (n - 1);
        var lvar = nn.functional.relu(1 - (c.diagonal() + o.Epsilon).sqrt()).mean();
        if (d < 2) return (lvar, zeros_like(lvar));
        var off = c * (1 - eye(d, dtype: c.dtype, device: c.device));
        var penalty = o.SmoothL1Delta is double delta
            ? where(off.abs() <= delta, off.pow(2), 2 * delta * off.abs() - delta * delta)
            : off.pow(2);
        return (lvar, penalty.sum() / (d * (d - 1)));
    }

    public static Tensor Weighted(Tensor features, VcRegOptions o)
    {
        var (v, c) = Terms(features, o);
        return o.Alpha * v + o.Beta * c;
    }
}
