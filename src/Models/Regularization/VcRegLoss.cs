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
        var (v, c, _) = TermsAndCount(features, o);
        return (v, c);
    }

    /// <summary>As <see cref="Terms"/>, with the number of samples n the statistics came from.</summary>
    public static (Tensor Var, Tensor Cov, long N) TermsAndCount(Tensor features, VcRegOptions o)
    {
        var x = FeatureSamples.ToMatrix(features, o.Layout).to_type(FeatureSamples.ComputeType(features));
        long n = x.shape[0];
        // One sample has no covariance: no loss, as the fast variant adds no gradient (a batch can shrink to one
        // clip when videos fail to decode).
        if (n < 2) { var zero = (x * 0).sum(); return (zero, zero, n); }
        var xc = x - x.mean([0], keepdim: true);
        var (v, c) = OfCovariance(xc.t().matmul(xc) / (n - 1), o);
        return (v, c, n);
    }

    /// <summary>ℓ_var and ℓ_cov of a d×d covariance matrix: the one place the two terms are written.</summary>
    public static (Tensor Var, Tensor Cov) OfCovariance(Tensor c, VcRegOptions o)
    {
        long d = c.shape[0];
        var lvar = nn.functional.relu(1 - (c.diagonal() + o.Epsilon).sqrt()).mean();
        if (d < 2) return (lvar, zeros_like(lvar));
        var off = c * (1 - eye(d, dtype: c.dtype, device: c.device));
        var penalty = o.SmoothL1Delta is double delta
            ? where(off.abs() <= delta, off.pow(2), 2 * delta * off.abs() - delta * delta)
            : off.pow(2);
        return (lvar, penalty.sum() / (d * (d - 1)));
    }

    /// <summary>
    /// The loss whose autograd gradient the fast backward adds: α·ℓ_var + β·ℓ_cov under <see cref="VcRegScaling.Loss"/>,
    /// α·ℓ_var + (n−1)·β·ℓ_cov under <see cref="VcRegScaling.Paper"/> (Algorithm 1's gradient, as a loss).
    /// </summary>
    public static Tensor Weighted(Tensor features, VcRegOptions o)
    {
        var (v, c, n) = TermsAndCount(features, o);
        return Combine(v, c, n, o);
    }

    public static Tensor Combine(Tensor var, Tensor cov, long n, VcRegOptions o) => o.Alpha * var + o.Beta * o.CovarianceLossFactor(n) * cov;
}
