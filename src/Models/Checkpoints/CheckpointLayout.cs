using System.Text.RegularExpressions;
using TorchSharp;
using static TorchSharp.torch;

namespace VideoVCReg.Models.Checkpoints;

public enum CheckpointLayout { VideoMae, VideoMaePretrain, HfVideoMae, HfVivit }

/// <summary>
/// A state_dict in our (official VideoMAE) names, plus what the source layout says about the architecture
/// (<see cref="Apply"/>), and the keys the source legitimately lacks (a pre-training checkpoint has no head).
/// </summary>
public sealed record Remapped(
    CheckpointLayout Layout,
    Dictionary<string, Tensor> State,
    Func<ModelConfig, ModelConfig> Apply,
    IReadOnlySet<string> MayBeMissing);

/// <summary>
/// The one door for foreign layouts (timm's checkpoint_filter_fn): unwraps prefixes, spots the source by a
/// telltale key, and hands off to one remap function per source. The model classes know nothing of this.
/// </summary>
public static partial class CheckpointLayouts
{
    /// <summary>torch.compile, DistributedDataParallel and detection-style wrappers.</summary>
    static readonly string[] Prefixes = ["_orig_mod.", "module.", "backbone."];

    public static CheckpointLayout Detect(IReadOnlyDictionary<string, Tensor> raw, string path)
    {
        var keys = StripPrefixes(raw.Keys).ToList();
        if (keys.Any(k => k.StartsWith("vivit."))) return CheckpointLayout.HfVivit;
        if (keys.Any(k => k.StartsWith("videomae."))) return CheckpointLayout.HfVideoMae;
        if (keys.Any(k => k.StartsWith("encoder.patch_embed.") || k.StartsWith("encoder_to_decoder."))) return CheckpointLayout.VideoMaePretrain;
        if (keys.Contains("patch_embed.proj.weight") && keys.Any(k => k.StartsWith("blocks.0."))) return CheckpointLayout.VideoMae;
        throw new InvalidDataException(
            $"{path}: not a VideoMAE, VideoMAEv2 or ViViT checkpoint (no patch_embed/videomae./vivit. keys; it has {raw.Count} keys such as {string.Join(", ", raw.Keys.Take(4))})");
    }

    public static Remapped Remap(IReadOnlyDictionary<string, Tensor> raw, string path)
    {
        var state = new Dictionary<string, Tensor>();
        foreach (var (k, v) in raw) state[StripPrefix(k)] = v;
        return Detect(raw, path) switch
        {
            CheckpointLayout.VideoMae => FromVideoMae(state),
            CheckpointLayout.VideoMaePretrain => FromVideoMaePretrain(state),
            CheckpointLayout.HfVideoMae => FromHfVideoMae(state),
            CheckpointLayout.HfVivit => FromHfVivit(state),
            _ => throw new System.Diagnostics.UnreachableException(),
        };
    }

    static string StripPrefix(string k)
    {
        for (bool again = true; again;)
        {
            again = false;
            foreach (var p in Prefixes)
                if (k.StartsWith(p, StringComparison.Ordinal)) { k = k[p.Length..]; again = true; }
        }
        return k;
    }

    static IEnumerable<string> StripPrefixes(IEnumerable<string> keys) => keys.Select(StripPrefix);

    /// <summary>Official modeling_finetune names: only the variant switches need reading off the keys.</summary>
    static Remapped FromVideoMae(Dictionary<string, Tensor> s) =>
        new(CheckpointLayout.VideoMae, s, c => VariantFromKeys(c, s), new HashSet<string>());

    /// <summary>
    /// modeling_pretrain: keep the encoder; drop decoder.*, encoder_to_decoder, mask_token and encoder.norm
    /// (fine-tuning pools with a fresh fc_norm instead). fc_norm and head start fresh.
    /// </summary>
    static Remapped FromVideoMaePretrain(Dictionary<string, Tensor> s)
    {
        var enc = new Dictionary<string, Tensor>();
        foreach (var (k, v) in s)
            if (k.StartsWith("encoder.") && !k.StartsWith("encoder.norm.") && !k.StartsWith("encoder.head."))
                enc[k["encoder.".Length..]] = v;
        return new(CheckpointLayout.VideoMaePretrain, enc, c => VariantFromKeys(c with { Pooling = "mean" }, enc),
            new HashSet<string> { "fc_norm.weight", "fc_norm.bias", "head.weight", "head.bias" });
    }

    /// <summary>Name swaps shared by the two Hugging Face layouts (both descend from HF's ViT), per layer.</summary>
    static readonly (string Hf, string Ours)[] HfLayerNames =
    [
        ("attention.output.dense", "attn.proj"),
        ("layernorm_before", "norm1"),
        ("layernorm_after", "norm2"),
        ("intermediate.dense", "mlp.fc1"),
        ("output.dense", "mlp.fc2"),
        ("attention.attention.q_bias", "attn.q_bias"),
        ("attention.attention.v_bias", "attn.v_bias"),
    ];

    [GeneratedRegex(@"^(?:videomae|vivit)\.encoder\.layer\.(\d+)\.(.+)$")]
    private static partial Regex HfLayer();

    /// <summary>Renames one HF encoder layer; separate query/key/value are fused into qkv (weights and biases).</summary>
    static void RemapHfLayers(Dictionary<string, Tensor> s, Dictionary<string, Tensor> outState)
    {
        var qkv = new SortedDictionary<int, Dictionary<string, Tensor>>();
        foreach (var (k, v) in s)
        {
            var m = HfLayer().Match(k);
            if (!m.Success) continue;
            int i = int.Parse(m.Groups[1].Value);
            string rest = m.Groups[2].Value;
            if (rest.StartsWith("attention.attention.query.") || rest.StartsWith("attention.attention.key.") || rest.StartsWith("attention.attention.value."))
            {
                if (!qkv.TryGetValue(i, out var parts)) qkv[i] = parts = new();
                parts[rest["attention.attention.".Length..]] = v;
                continue;
            }
            var swap = HfLayerNames.FirstOrDefault(n => rest.StartsWith(n.Hf + ".") || rest == n.Hf);
            outState[$"blocks.{i}.{(swap.Hf is null ? rest : swap.Ours + rest[swap.Hf.Length..])}"] = v;
        }
        foreach (var (i, parts) in qkv)
        {
            foreach (var kind in new[] { "weight", "bias" })
            {
                var pieces = new[] { "query", "key", "value" }.Select(n => parts.GetValueOrDefault($"{n}.{kind}")).ToArray();
                if (pieces.All(p => p is null)) continue;
                if (pieces.Any(p => p is null)) throw new InvalidDataException($"layer {i}: query/key/value {kind} incomplete");
                outState[$"blocks.{i}.attn.qkv.{kind}"] = torch.cat(pieces!, 0);
            }
        }
    }

    /// <summary>
    /// transformers' VideoMAEForVideoClassification (also VideoMAEForPreTraining, whose decoder is dropped).
    /// Its blocks use layer_norm_eps 1e-12 (the transformers default the released configs keep), and its
    /// fc_norm is a bare nn.LayerNorm (eps 1e-5).
    /// </summary>
    static Remapped FromHfVideoMae(Dictionary<string, Tensor> s)
    {
        var o = new Dictionary<string, Tensor>();
        foreach (var (k, v) in s)
        {
            if (k.StartsWith("videomae.embeddings.patch_embeddings.projection.")) o["patch_embed.proj." + k.Split('.')[^1]] = v;
            else if (k.StartsWith("videomae.layernorm.")) o["norm." + k.Split('.')[^1]] = v;
            else if (k.StartsWith("fc_norm.")) o[k] = v;
            else if (k.StartsWith("classifier.")) o["head." + k.Split('.')[^1]] = v;
            else if (k.StartsWith("videomae.encoder.layer.")) continue;
            else if (k.StartsWith("decoder.") || k.StartsWith("encoder_to_decoder.") || k == "mask_token") continue;
            else o[k] = v; // left for the strict check to report
        }
        RemapHfLayers(s, o);
        bool pretrain = s.Keys.Any(k => k.StartsWith("decoder."));
        return new(CheckpointLayout.HfVideoMae, o,
            c => VariantFromKeys(c with { NormEps = 1e-12, FcNormEps = 1e-5 }, o),
            pretrain ? new HashSet<string> { "fc_norm.weight", "fc_norm.bias", "head.weight", "head.bias" } : new HashSet<string>());
    }

    /// <summary>
    /// transformers' VivitForVideoClassification (google/vivit-b-16x2-kinetics400): cls token, learned positions,
    /// biased query/key/value, gelu_fast, classifier on layernorm(x)[:, 0]. The pooler, if saved, is unused.
    /// </summary>
    static Remapped FromHfVivit(Dictionary<string, Tensor> s)
    {
        var o = new Dictionary<string, Tensor>();
        foreach (var (k, v) in s)
        {
            if (k == "vivit.embeddings.cls_token") o["cls_token"] = v;
            else if (k == "vivit.embeddings.position_embeddings") o["pos_embed"] = v;
            else if (k.StartsWith("vivit.embeddings.patch_embeddings.projection.")) o["patch_embed.proj." + k.Split('.')[^1]] = v;
            else if (k.StartsWith("vivit.layernorm.")) o["norm." + k.Split('.')[^1]] = v;
            else if (k.StartsWith("classifier.")) o["head." + k.Split('.')[^1]] = v;
            else if (k.StartsWith("vivit.encoder.layer.") || k.StartsWith("vivit.pooler.")) continue;
            else o[k] = v;
        }
        RemapHfLayers(s, o);
        return new(CheckpointLayout.HfVivit, o, c => VariantFromKeys(c with
        {
            Family = "vivit", ClsToken = true, PosEmbed = "learned", Pooling = "first", QkvBias = "full", Activation = "gelu_tanh",
            Normalization = "inception",   // the HF ViViT image processor maps pixels to [-1, 1]
        }, o), new HashSet<string>());
    }

    /// <summary>Switches that only change which keys exist: read them off the keys; dimensions stay the preset's.</summary>
    static ModelConfig VariantFromKeys(ModelConfig c, IReadOnlyDictionary<string, Tensor> s)
    {
        bool Has(string k) => s.ContainsKey(k);
        c = c with
        {
            QkvBias = Has("blocks.0.attn.q_bias") ? "qv" : Has("blocks.0.attn.qkv.bias") ? "full" : Has("blocks.0.attn.qkv.weight") ? "none" : c.QkvBias,
            CosAttn = Has("blocks.0.attn.scale"),
            PosEmbed = Has("pos_embed") ? "learned" : "sincos",
            ClsToken = Has("cls_token"),
            Pooling = Has("fc_norm.weight") ? "mean" : Has("norm.weight") ? "first" : c.Pooling,
            InitValues = Has("blocks.0.gamma_1") ? (c.InitValues > 0 ? c.InitValues : 0.1) : 0,
        };
        if (s.TryGetValue("head.weight", out var head) && head.dim() == 2) c = c with { NumClasses = (int)head.shape[0] };
        return c;
    }

    /// <summary>Our names → the Hugging Face ViViT names, for saving a ViViT in the layout it came in.</summary>
    public static Dictionary<string, Tensor> ToHfVivit(IReadOnlyDictionary<string, Tensor> ours)
    {
        var o = new Dictionary<string, Tensor>();
        var block = new Regex(@"^blocks\.(\d+)\.(.+)$");
        foreach (var (k, v) in ours)
        {
            var m = block.Match(k);
            if (m.Success)
            {
                string i = m.Groups[1].Value, rest = m.Groups[2].Value, p = $"vivit.encoder.layer.{i}.";
                if (rest.StartsWith("attn.qkv."))
                {
                    var kind = rest.Split('.')[^1];
                    var parts = v.chunk(3, 0);
                    o[p + "attention.attention.query." + kind] = parts[0].contiguous();
                    o[p + "attention.attention.key." + kind] = parts[1].contiguous();
                    o[p + "attention.attention.value." + kind] = parts[2].contiguous();
                    continue;
                }
                var swap = HfLayerNames.First(n => rest.StartsWith(n.Ours + "."));
                o[p + swap.Hf + rest[swap.Ours.Length..]] = v;
            }
            else if (k == "cls_token") o["vivit.embeddings.cls_token"] = v;
            else if (k == "pos_embed") o["vivit.embeddings.position_embeddings"] = v;
            else if (k.StartsWith("patch_embed.proj.")) o["vivit.embeddings.patch_embeddings.projection." + k.Split('.')[^1]] = v;
            else if (k.StartsWith("norm.")) o["vivit.layernorm." + k.Split('.')[^1]] = v;
            else if (k.StartsWith("head.")) o["classifier." + k.Split('.')[^1]] = v;
            else throw new InvalidOperationException($"no Hugging Face ViViT name for {k}");
        }
        return o;
    }
}
