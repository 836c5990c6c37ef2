using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VideoVCReg.Models.SelfSupervised;

/// <summary>
/// A backbone and a projector, as VICReg's published model: keys backbone.* (the backbone's torchvision names) and
/// projector.*. The forward is projector(backbone features); the backbone's own classifier never runs, is frozen and is
/// left out of the checkpoints, so a checkpoint holds what was trained. Regularization sites are the backbone's blocks
/// and downsamples; the "head" site is the projector's input, the representation that is probed.
/// </summary>
public sealed class SslNetwork : Network
{
    readonly Network backbone;
    readonly Sequential projector;
    readonly string headPrefix;

    public SslNetwork(Network backbone, Func<long, Sequential> projector) : base(nameof(SslNetwork))
    {
        this.backbone = backbone;
        FeatureWidth = backbone.HeadInput.parameters().First().shape[^1];
        this.projector = projector(FeatureWidth);
        RegisterComponents();
        headPrefix = "backbone." + (backbone.named_modules().FirstOrDefault(m => ReferenceEquals(m.module, backbone.HeadInput)).name
            ?? throw new InvalidOperationException($"{backbone.GetName()}: its head module is not among its modules")) + ".";
        foreach (var p in backbone.HeadInput.parameters()) p.requires_grad = false;
    }

    public Network Backbone => backbone;
    /// <summary>The projector's last width (its last linear layer's outputs): what the objective sees.</summary>
    public override long Classes => projector.parameters().Last(p => p.dim() == 2).shape[0];

    /// <summary>The width of the backbone's features, the projector's input.</summary>
    public long FeatureWidth { get; }
    /// <summary>Names of the backbone classifier's keys ("backbone.fc."): not trained, not saved.</summary>
    public string HeadPrefix => headPrefix;

    public override nn.Module<Tensor, Tensor> HeadInput => projector;
    public override IReadOnlyList<nn.Module<Tensor, Tensor>> BlockModules => backbone.BlockModules;
    public override IReadOnlyList<nn.Module<Tensor, Tensor>> DownsampleModules => backbone.DownsampleModules;
    public override InputSpec? Input => backbone.Input;
    public override Tensor Features(Tensor x) => backbone.Features(x);
    public override Tensor forward(Tensor x) => projector.call(backbone.Features(x));

    public override Dictionary<string, Tensor> PublishedState() =>
        base.PublishedState().Where(kv => !kv.Key.StartsWith(headPrefix)).ToDictionary();
}
