using TorchSharp;
using VideoVCReg.Models.Regularization;
using static TorchSharp.torch;

namespace VideoVCReg.Models;

/// <summary>
/// The model contract: what the training loop, the optimizer groups and the checkpoint writer need of a model,
/// so that video ViTs and image backbones go through the same code with no type tests. A network names its
/// regularization sites, gives each parameter a layer id for layer-wise lr decay, and says how its weights
/// are published (key layout, and whether a file holding only weights is a bare state_dict).
/// </summary>
public abstract class Network(string name) : nn.Module<Tensor, Tensor>(name), IRegularizationSites
{
    public abstract nn.Module<Tensor, Tensor> HeadInput { get; }
    public abstract IReadOnlyList<nn.Module<Tensor, Tensor>> BlockModules { get; }

    /// <summary>The width of the output: the class count of a classifier, the projector's last width of a self-supervised network.</summary>
    public abstract long Classes { get; }
    public virtual IReadOnlyList<nn.Module<Tensor, Tensor>> DownsampleModules => [];

    /// <summary>
    /// The pooled representation the head takes (timm's forward_features plus pooling), with gradients: what a
    /// self-supervised projector trains on. The head's input, so <c>HeadInput.call(Features(x))</c> is the logits.
    /// </summary>
    public virtual Tensor Features(Tensor x) => throw new NotSupportedException($"{GetName()} has no feature path of its own");

    /// <summary>The input the network was built for; null when it takes any size (data sources then need one given).</summary>
    public virtual InputSpec? Input => null;

    /// <summary>Layers for layer decay (input layer, blocks, head); 1: the whole network decays as one.</summary>
    public virtual int DecayLayers => 1;

    /// <summary>The layer (0 … <see cref="DecayLayers"/> − 1) a parameter belongs to.</summary>
    public virtual int LayerId(string parameterName) => 0;

    /// <summary>
    /// The weights in the family's published key layout (VideoMAE's, Hugging Face's, torchvision's), on the CPU.
    /// Our field names equal the published keys unless a family overrides this.
    /// </summary>
    public virtual Dictionary<string, Tensor> PublishedState()
    {
        var ours = new Dictionary<string, Tensor>();
        foreach (var (k, v) in state_dict()) ours[k] = v.detach().cpu();
        return ours;
    }

    /// <summary>
    /// True when the family publishes bare state_dicts (torchvision, Hugging Face); false when it wraps them in
    /// <c>{'model': ...}</c> (VideoMAE). A file with training state beside the weights always wraps them.
    /// </summary>
    public virtual bool PublishesBareStateDict => true;
}
