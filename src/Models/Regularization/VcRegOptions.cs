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
}
