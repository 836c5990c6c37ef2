using TorchSharp;
using static TorchSharp.torch;

namespace VideoVCReg.Models;

/// <summary>
/// A linear classifier on fixed features (the AdamW linear probe of appendix C.3): one <c>fc</c> layer, trained by
/// the same loop as every network. Its head is itself, so the head site sees the features.
/// </summary>
public sealed class FeatureClassifier : Network
{
    readonly TorchSharp.Modules.Linear fc;

    public FeatureClassifier(int features, int classes) : base(nameof(FeatureClassifier))
    {
        fc = nn.Linear(features, classes);
        RegisterComponents();
    }

    public override nn.Module<Tensor, Tensor> HeadInput => fc;
    public override IReadOnlyList<nn.Module<Tensor, Tensor>> BlockModules => [];
    public override long Classes => fc.out_features;

    public override Tensor forward(Tensor x) => fc.call(x);
}
