using TorchSharp;
using VideoVCReg.Models;
using static TorchSharp.torch;

namespace VideoVCReg.FineTune;

/// <summary>One optimizer group: its parameters, the lr multiplier (layer decay) and its weight decay.</summary>
public sealed record ParameterGroup(string Name, IReadOnlyList<TorchSharp.Modules.Parameter> Parameters, double LrScale, double WeightDecay);

/// <summary>
/// VideoMAE's optimizer groups (optim_factory.py): no weight decay for 1-D tensors (biases, norms, layer
/// scales; ConvNeXt's [C, 1, 1] layer_scale too), position tables and tokens; with layer decay, layer k of the
/// network's K (<see cref="Network.LayerId"/>) has its lr scaled by decay^(K−1−k). A network that declares one
/// layer decays as one.
/// </summary>
public static class ParameterGroups
{
    public static IReadOnlyList<ParameterGroup> For(Network model, double weightDecay, double layerDecay)
    {
        int layers = Math.Max(1, model.DecayLayers);
        var groups = new Dictionary<(int Layer, bool Decay), List<TorchSharp.Modules.Parameter>>();
        foreach (var (name, p) in model.named_parameters())
        {
            if (!p.requires_grad) continue;
            bool decay = p.dim() > 1 && !NoDecayName(name);
            int layer = layers == 1 ? 0 : Math.Clamp(model.LayerId(name), 0, layers - 1);
            var key = (layer, decay);
            if (!groups.TryGetValue(key, out var list)) groups[key] = list = [];
            list.Add(p);
        }
        return [.. groups.OrderBy(g => g.Key.Layer).ThenBy(g => g.Key.Decay).Select(g => new ParameterGroup(
            $"layer_{g.Key.Layer}_{(g.Key.Decay ? "decay" : "no_decay")}", g.Value,
            Math.Pow(layerDecay, layers - 1 - g.Key.Layer), g.Key.Decay ? weightDecay : 0.0))];
    }

    static bool NoDecayName(string name) =>
        name.EndsWith(".bias") || name.EndsWith("layer_scale") || name is "pos_embed" or "cls_token" or "class_token" || name.EndsWith("pos_embedding");
}
