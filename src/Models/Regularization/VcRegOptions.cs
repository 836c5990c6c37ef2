namespace VideoVCReg.Models.Regularization;

/// <summary>
/// Weights of the two terms (paper eq. 3) and the variance epsilon. <see cref="SmoothL1Delta"/> switches
/// the covariance penalty to the smooth-L1 of eq. 6 with threshold δ.
/// </summary>
public sealed record VcRegOptions
{
    public double Alpha { get; init; } = 1.0;
    public double Beta { get; init; } = 0.1;
    public double Epsilon { get; init; } = 1e-4;
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
    public Distributed.ProcessGroup? Sync { get; init; }
}
