using static TorchSharp.torch;

namespace VideoVCReg.Models.Regularization;

/// <summary>
/// Spectral decoupling (Pezeshki et al. 2021, "Gradient Starvation"): (λ/2)·mean over the batch of ‖logits‖², the
/// logits' L2 penalty that replaces weight decay. It sits at the head site and applies the head to the features
/// itself, so the penalty and its gradient are those of the network's own logits.
/// </summary>
/// <remarks>The head must be a linear layer (the penalty recomputes it).</remarks>
public sealed class SpectralDecoupling(TorchSharp.Modules.Linear head, double lambda) : FeatureRegularizer
{
    public double Lambda { get; } = lambda;

    public override Tensor Apply(Tensor features)
    {
        if (!Enabled || !features.requires_grad) return features;
        // Functional, not head.call: this runs inside the head's own pre-hook, which a call would re-enter.
        var logits = nn.functional.linear(features, head.weight!, head.bias);
        AddLoss(0.5 * Lambda * logits.pow(2).sum(1).mean());
        return features;
    }
}
