using static TorchSharp.torch;

namespace VideoVCReg.Models.Regularization;

/// <summary>
/// DeCov (Cogswell et al., 2015, "Reducing overfitting in deep networks by decorrelating representations"):
/// L = λ · ½ (‖C‖²_F − ‖diag C‖²), with C the batch covariance of the activations (1/N, as in that paper).
/// Samples are formed as for VCReg, so it can sit at the same placements.
/// </summary>
public sealed class DeCov(double weight = 0.1, FeatureLayout layout = FeatureLayout.Auto) : FeatureRegularizer
{
    public double Weight { get; } = weight;

    public static Tensor Loss(Tensor features, FeatureLayout layout)
    {
        var x = FeatureSamples.ToMatrix(features, layout).to_type(FeatureSamples.ComputeType(features));
        long n = x.shape[0];
        var xc = x - x.mean([0], keepdim: true);
        var c = xc.t().matmul(xc) / n;
        return 0.5 * (c.pow(2).sum() - c.diagonal().pow(2).sum());
    }

    public override Tensor Apply(Tensor features)
    {
        if (!Enabled || !features.requires_grad) return features;
        AddLoss(Weight * Loss(features, layout));
        return features;
    }
}
