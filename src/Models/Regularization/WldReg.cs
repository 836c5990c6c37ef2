using static TorchSharp.torch;

namespace VideoVCReg.Models.Regularization;

/// <summary>
/// WLD-Reg (Laakom et al., AAAI 2023), the "direct" form: a within-layer diversity penalty on the pairwise
/// similarity of the units' outputs for each sample, s_nm(x) = exp(−γ ‖φ_n(x) − φ_m(x)‖²), summed over
/// unit pairs n ≠ m and averaged over the batch, times λ. For a feature map a unit's output φ_n(x) is its
/// whole map (channel n over all positions); for a vector it is the scalar activation.
/// </summary>
public sealed class WldReg(double weight = 1e-3, double gamma = 10.0, FeatureLayout layout = FeatureLayout.Auto) : FeatureRegularizer
{
    public double Weight { get; } = weight;
    public double Gamma { get; } = gamma;

    public static Tensor Loss(Tensor features, double gamma, FeatureLayout layout)
    {
        var x = features.to_type(FeatureSamples.ComputeType(features));
        // Per sample: units × positions, from [B, D], [B, N, D] (tokens) or [B, C, ...] (maps).
        Tensor units = x.dim() switch
        {
            2 => x.unsqueeze(-1),
            3 when layout != FeatureLayout.ChannelsFirst => x.transpose(1, 2),
            _ => x.flatten(2),
        };
        long b = units.shape[0], u = units.shape[1];
        var d2 = cdist(units, units).pow(2);                 // (B, u, u)
        var s = (-gamma * d2).exp() * (1 - eye(u, dtype: x.dtype, device: x.device));
        return s.sum() / b;
    }

    public override Tensor Apply(Tensor features)
    {
        if (!Enabled || !features.requires_grad) return features;
        AddLoss(Weight * Loss(features, Gamma, layout));
        return features;
    }
}
