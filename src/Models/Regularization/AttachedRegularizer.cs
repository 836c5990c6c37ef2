using TorchSharp;
using static TorchSharp.torch;

namespace VideoVCReg.Models.Regularization;

/// <summary>
/// A regularizer hooked into a model at a placement, without editing the model: a forward pre-hook on the
/// head input (its input is the representation, before any head dropout) and forward hooks on block and downsample modules (their
/// outputs, after the residual). State-dict keys are untouched. Dispose removes the hooks.
/// </summary>
public sealed class AttachedRegularizer : IDisposable
{
    readonly List<Action> hooks = []; // each removes one hook

    public FeatureRegularizer Regularizer { get; }
    public int SiteCount => hooks.Count;

    AttachedRegularizer(FeatureRegularizer regularizer) => Regularizer = regularizer;

    public static AttachedRegularizer Attach(IRegularizationSites model, FeatureRegularizer regularizer, Placement placement)
    {
        var a = new AttachedRegularizer(regularizer);
        if (placement.HasFlag(Placement.Head))
            a.hooks.Add(model.HeadInput.register_forward_pre_hook((_, input) => regularizer.Apply(input, "head")).remove);
        if (placement.HasFlag(Placement.Blocks))
            foreach (var (m, i) in model.BlockModules.Select((m, i) => (m, i))) a.AddOutputHook(m, $"blocks.{i}");
        if (placement.HasFlag(Placement.Downsample))
            foreach (var (m, i) in model.DownsampleModules.Select((m, i) => (m, i))) a.AddOutputHook(m, $"downsample.{i}");
        if (placement != Placement.None && a.hooks.Count == 0)
            throw new ArgumentException($"placement {placement} has no site in {model.GetType().Name}");
        return a;
    }

    /// <summary>Hooks any module's output; the benchmark uses it to insert layers at chosen sites.</summary>
    public static AttachedRegularizer AttachTo(IEnumerable<nn.Module<Tensor, Tensor>> modules, FeatureRegularizer regularizer)
    {
        var a = new AttachedRegularizer(regularizer);
        foreach (var (m, i) in modules.Select((m, i) => (m, i))) a.AddOutputHook(m, $"site.{i}");
        return a;
    }

    void AddOutputHook(nn.Module<Tensor, Tensor> m, string site) =>
        hooks.Add(m.register_forward_hook((_, _, output) => Regularizer.Apply(output, site)).remove);

    public void Dispose()
    {
        foreach (var remove in hooks) remove();
        hooks.Clear();
    }
}
