using VideoVCReg.Runtime.Distributed;

namespace VideoVCReg.Models.Regularization;

/// <summary>
/// How β reaches the gradient. The paper defines ℓ_cov with C = x_cᵀx_c/(n−1) (eq. 3), but its Algorithm 1, the
/// implementation it trains with and whose β values it reports, adds 4β/(d(d−1)) · x_c C_off: (n−1) times the gradient
/// of β·ℓ_cov. n is the number of samples at a site (B at a head, B·H·W at a block), so no single β converts one into
/// the other.
/// </summary>
public enum VcRegScaling
{
    /// <summary>Algorithm 1 as printed: the gradient of α·ℓ_var + (n−1)·β·ℓ_cov. The default, since the paper's β values are for it.</summary>
    Paper,
    /// <summary>The exact gradient of α·ℓ_var + β·ℓ_cov, the loss of eq. 3.</summary>
    Loss,
}

/// <summary>
/// Weights of the two terms (paper eq. 3) and the variance epsilon. <see cref="SmoothL1Delta"/> switches
/// the covariance penalty to the smooth-L1 of eq. 6 with threshold δ.
/// </summary>
public sealed record VcRegOptions
{
    public double Alpha { get; init; } = 1.0;
    public double Beta { get; init; } = 0.1;
    /// <summary>
    /// Added to C_ii under the square root. The paper names ε in Algorithm 1 but gives no value; 1e-4 is VICReg's
    /// (Bardes et al. 2022, the variance term VCReg's is built from).
    /// </summary>
    public double Epsilon { get; init; } = 1e-4;
    public VcRegScaling Scaling { get; init; } = VcRegScaling.Paper;
    public double? SmoothL1Delta { get; init; }
    public FeatureLayout Layout { get; init; } = FeatureLayout.Auto;

    /// <summary>
    /// Statistics over groups of the batch: sample b (rows b·<see cref="RowsPerSample"/> …) in group b mod G, each group's gradient weighted 1/G. It is what G
    /// data-parallel processes with per-rank statistics compute together (each rank a group, gradients averaged), so one
    /// process can reproduce such a run; 1: the whole batch.
    /// </summary>
    public int Groups { get; init; } = 1;

    /// <summary>Consecutive batch rows that are views of one sample (VideoMAE's repeated augmentation) and so share a group.</summary>
    public int RowsPerSample { get; init; } = 1;

    /// <summary>
    /// Data parallel, SyncBatchNorm's way: the mean and covariance over every rank's samples (the global batch), reduced in
    /// the backward; null: each rank's own, as DDP treats BatchNorm.
    /// </summary>
    public ProcessGroup? Sync { get; init; }

    /// <summary>The weight of β·ℓ_cov in the loss whose gradient the fast backward adds: n−1 under <see cref="VcRegScaling.Paper"/>, else 1.</summary>
    public double CovarianceLossFactor(long n) => Scaling == VcRegScaling.Paper ? n - 1 : 1;

    /// <summary>
    /// The coefficient k_cov of x_c C_off in the added gradient for n samples of d features: Algorithm 1's 4β/(d(d−1)), or
    /// 4β/(d(d−1)(n−1)) for the loss's. Written out rather than as factor/(n−1), so the paper's case is its formula exactly.
    /// </summary>
    public double CovarianceGradientWeight(long n, long d) =>
        d < 2 ? 0 : 4 * Beta / (d * (double)(d - 1) * (Scaling == VcRegScaling.Paper ? 1 : n - 1));

    /// <summary>The coefficient k_var of x_c ∘ r: α/(d(n−1)) under both scalings (Algorithm 1 and eq. 3 agree).</summary>
    public double VarianceGradientWeight(long n, long d) => Alpha / (d * (double)(n - 1));
}
