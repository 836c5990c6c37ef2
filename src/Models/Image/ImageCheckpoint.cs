using VideoVCReg.Models.Checkpoints;
using static TorchSharp.torch;

namespace VideoVCReg.Models.Image;

/// <summary>An image architecture a state_dict fits, as the image loaders read it (<see cref="TorchvisionCheckpoint"/>).</summary>
public sealed record ImageLayout(string Arch, bool SelfSupervised, long? Classes)
{
    public override string ToString() => SelfSupervised
        ? $"self-supervised pretraining (backbone. + projector.): a {Arch} backbone"
        : $"torchvision ({Arch}{(Classes is long c ? $", {c} classes" : ", no classifier")})";
}

/// <summary>
/// Which image architecture a checkpoint holds: the first whose every body key it has, at the model's shape, and nothing
/// else but that architecture's classifier, of any class count. The test is the one <see cref="TorchvisionCheckpoint.LoadBackbone"/>
/// applies, so `inspect` names a layout exactly when `probe --weights` would load it.
/// </summary>
public static class ImageCheckpoint
{
    public static ImageLayout? Identify(IReadOnlyDictionary<string, Tensor> raw)
    {
        bool ssl = TorchvisionCheckpoint.IsSelfSupervised(raw);
        var state = ssl ? TorchvisionCheckpoint.FromSelfSupervised(raw) : raw;
        foreach (var preset in ImagePresets.Load().Values.GroupBy(p => p.Arch).Select(g => g.First()))
        {
            // The cheap test first: building every network for a file that fits none costs seconds.
            if (FirstKey(preset.Arch) is string key && !state.ContainsKey(key)) continue;
            using var net = ImagePresets.Build(preset, 10);
            var head = net.named_modules().First(m => ReferenceEquals(m.module, net.HeadInput)).name + ".";
            bool Head(string key) => key.StartsWith(head, StringComparison.Ordinal);
            if (!KeyMismatch.Between(net.state_dict().Where(kv => !Head(kv.Key)), state, mayAlsoHold: Head).Fits) continue;
            long? classes = state.TryGetValue(head + "weight", out var w) ? w.shape[0] : null;
            return new ImageLayout(preset.Arch, ssl, classes);
        }
        return null;
    }

    /// <summary>A key every network of the architecture has, named as torchvision names it.</summary>
    static string? FirstKey(string arch) => arch switch
    {
        "resnet32" or "resnet18" or "resnet50" => "conv1.weight",
        "convnext-t" or "convnext-atto" => "features.0.0.weight",
        "vit-b32" => "conv_proj.weight",
        _ => null,
    };
}
