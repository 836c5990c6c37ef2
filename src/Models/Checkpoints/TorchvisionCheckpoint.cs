using TorchSharp;
using static TorchSharp.torch;

namespace VideoVCReg.Models.Checkpoints;

/// <summary>
/// Loads a torchvision state_dict (what `torch.save(model.state_dict())` and torchvision's own weight files hold)
/// into the image models of <c>Models/Image</c>, whose field names are torchvision's keys. Strict: one error lists
/// every missing, unexpected and mis-shaped key, and nothing is copied unless everything fits.
/// </summary>
public static class TorchvisionCheckpoint
{
    /// <param name="include">The model's keys the file must hold (null: all of them).</param>
    public static void LoadStrict(nn.Module model, string path, Func<string, bool>? include = null)
    {
        var raw = CheckpointFile.Read(path);
        try { LoadStrict(model, FromTorchvision(raw), path, include); }
        finally { foreach (var t in raw.Values) t.Dispose(); }
    }

    /// <summary>
    /// Loads every weight but the classifier's (the <see cref="Network.HeadInput"/> module's), strictly: a backbone
    /// for feature extraction, whatever class count it was trained with. Returns the head's prefix, which was skipped.
    /// </summary>
    public static string LoadBackbone(Network model, string path)
    {
        var raw = CheckpointFile.Read(path);
        try { return LoadBackbone(model, raw, path); }
        finally { foreach (var t in raw.Values) t.Dispose(); }
    }

    /// <summary>
    /// A training run's starting weights, the file read once: a self-supervised pretraining gives the backbone and the
    /// classifier starts fresh; any other file must fit the whole network, classifier included.
    /// </summary>
    public static void LoadStart(Network model, string path)
    {
        var raw = CheckpointFile.Read(path);
        try
        {
            if (IsSelfSupervised(raw)) LoadBackbone(model, raw, path);
            else LoadStrict(model, FromTorchvision(raw), path);
        }
        finally { foreach (var t in raw.Values) t.Dispose(); }
    }

    static string LoadBackbone(Network model, IReadOnlyDictionary<string, Tensor> raw, string path)
    {
        var head = model.named_modules().FirstOrDefault(m => ReferenceEquals(m.module, model.HeadInput)).name
            ?? throw new InvalidOperationException($"{model.GetName()}: its head module is not among its modules");
        bool Body(string key) => !key.StartsWith(head + ".");
        var layout = IsSelfSupervised(raw) ? FromSelfSupervised(raw) : FromTorchvision(raw);
        LoadStrict(model, layout.Where(kv => Body(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value), path, Body);
        return head;
    }

    /// <summary>A self-supervised pretraining's file (<see cref="SelfSupervised.SslNetwork"/>, VICReg's layout): backbone.* and projector.* only.</summary>
    public static bool IsSelfSupervised(IReadOnlyDictionary<string, Tensor> raw) =>
        raw.Keys.Any(k => k.StartsWith("projector.")) && raw.Keys.All(k => k.StartsWith("backbone.") || k.StartsWith("projector."));

    /// <summary>The remap for VICReg's layout: the backbone's keys under torchvision's names; the projector is not part of a backbone.</summary>
    public static IReadOnlyDictionary<string, Tensor> FromSelfSupervised(IReadOnlyDictionary<string, Tensor> raw) =>
        raw.Where(kv => kv.Key.StartsWith("backbone.")).ToDictionary(kv => kv.Key["backbone.".Length..], kv => kv.Value);

    /// <summary>The remap for torchvision's layout: the identity, since the image models use its names.</summary>
    public static IReadOnlyDictionary<string, Tensor> FromTorchvision(IReadOnlyDictionary<string, Tensor> raw) => raw;

    /// <param name="source">Names the state_dict in the error (usually its file).</param>
    public static void LoadStrict(nn.Module model, IReadOnlyDictionary<string, Tensor> state, string source, Func<string, bool>? include = null)
    {
        var target = model.state_dict().Where(kv => include?.Invoke(kv.Key) ?? true).ToDictionary(kv => kv.Key, kv => kv.Value);
        var mismatch = KeyMismatch.Between(target, state);
        if (!mismatch.Fits) throw new InvalidDataException($"{source}: torchvision state_dict does not fit {model.GetName()}: {mismatch}");
        using (no_grad())
            foreach (var (name, dst) in target) dst.copy_(state[name]);
    }
}
