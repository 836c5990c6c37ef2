using VideoVCReg.Models.Regularization;
using static TorchSharp.torch;

namespace VideoVCReg.Models.SelfSupervised;

/// <summary>
/// The self-supervised objectives of the paper's §4.4 on two views' projector outputs <c>[n, d]</c>. When training runs
/// data-parallel, the caller passes the views gathered over every rank: both losses are defined on the global batch.
/// </summary>
public static class SslLosses
{
    /// <summary>
    /// SimCLR's NT-Xent (Chen et al. 2020): the 2n L2-normalised embeddings, cosine similarities over τ, each row's own
    /// similarity left out, and cross-entropy towards its other view (row i of z1 with row i of z2), averaged over 2n rows.
    /// </summary>
    public static Tensor NtXent(Tensor z1, Tensor z2, double temperature = 0.1)
    {
        if (!(temperature > 0)) throw new ArgumentException($"temperature must be > 0 (got {temperature})");
        long n = z1.shape[0];
        var z = nn.functional.normalize(cat([z1, z2], 0), p: 2, dim: 1);
        var sim = z.matmul(z.t()) / temperature;
        // −∞ on the diagonal: a sample is never its own candidate.
        sim = sim.masked_fill(eye(2 * n, dtype: ScalarType.Bool, device: z.device), double.NegativeInfinity);
        var targets = cat([arange(n, 2 * n, dtype: ScalarType.Int64, device: z.device), arange(0, n, dtype: ScalarType.Int64, device: z.device)]);
        return nn.functional.cross_entropy(sim, targets);
    }

    /// <summary>VICReg's three terms and their weighted sum.</summary>
    public sealed record VicRegTerms(Tensor Invariance, Tensor Variance, Tensor Covariance, Tensor Loss);

    /// <summary>
    /// VICReg (Bardes et al. 2022): λ·MSE(z1, z2) + μ·(v(z1) + v(z2))/2 + ν·(c(z1) + c(z2)), coefficients 25, 25, 1. The
    /// variance and covariance terms are the VCReg regularizer's own (<see cref="VcRegLoss.Terms"/>): v is its ℓ_var
    /// (mean hinge on the standard deviation, ε 1e-4), and VICReg's c, the squared off-diagonal covariance summed over d,
    /// is its ℓ_cov (averaged over d(d−1) pairs) times d − 1.
    /// </summary>
    public static VicRegTerms VicReg(Tensor z1, Tensor z2, double invariance = 25, double variance = 25, double covariance = 1, double epsilon = 1e-4)
    {
        long d = z1.shape[1];
        var terms = new VcRegOptions { Alpha = 1, Beta = 1, Epsilon = epsilon, Layout = FeatureLayout.Auto };
        var (v1, c1) = VcRegLoss.Terms(z1, terms);
        var (v2, c2) = VcRegLoss.Terms(z2, terms);
        var inv = nn.functional.mse_loss(z1, z2);
        var v = (v1 + v2) / 2;
        var c = (c1 + c2) * (d - 1);
        return new VicRegTerms(inv, v, c, invariance * inv + variance * v + covariance * c);
    }
}
