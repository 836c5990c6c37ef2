using System.Text.Json;
using System.Text.Json.Serialization;

namespace VideoVCReg.Models;

/// <summary>
/// Everything that shapes a video ViT. Modules take this and nothing else (nanoGPT's GPTConfig).
/// JSON names are snake_case, as in configs/models.json; defaults are VideoMAE's fine-tuning ones.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>"videomae" (official VideoMAE/VideoMAEv2 layout) or "vivit" (Hugging Face ViViT layout).</summary>
    public string Family { get; init; } = "videomae";
    public string Name { get; init; } = "";
    public string Description { get; init; } = "";
    public int EmbedDim { get; init; } = 768;
    public int Depth { get; init; } = 12;
    public int NumHeads { get; init; } = 12;
    public double MlpRatio { get; init; } = 4.0;
    public int PatchSize { get; init; } = 16;
    public int Tubelet { get; init; } = 2;
    public int Frames { get; init; } = 16;
    public int ImageSize { get; init; } = 224;
    public int InChans { get; init; } = 3;
    public int NumClasses { get; init; } = 400;
    /// <summary>"qv": VideoMAE's q_bias + v_bias with a zero key bias; "full": a bias on qkv; "none".</summary>
    public string QkvBias { get; init; } = "qv";
    /// <summary>VideoMAEv2's cosine attention: normalised q·k times exp(min(scale, log 100)), scale per head.</summary>
    public bool CosAttn { get; init; }
    /// <summary>"mean": fc_norm(mean of patch tokens); "first": norm(x)[:, 0] (the cls token when there is one).</summary>
    public string Pooling { get; init; } = "mean";
    public bool ClsToken { get; init; }
    /// <summary>"gelu" (erf) or "gelu_tanh" (transformers' gelu_fast / gelu_new).</summary>
    public string Activation { get; init; } = "gelu";
    public double NormEps { get; init; } = 1e-6;
    /// <summary>eps of fc_norm; Hugging Face VideoMAE leaves it at nn.LayerNorm's 1e-5.</summary>
    public double FcNormEps { get; init; } = 1e-6;
    /// <summary>"sincos" (fixed VideoMAE table, never in the state_dict) or "learned".</summary>
    public string PosEmbed { get; init; } = "sincos";
    /// <summary>Layer scale (gamma_1/gamma_2) initial value; 0 = none.</summary>
    public double InitValues { get; init; }
    /// <summary>Stochastic depth at the last block; block i gets rate·i/(depth-1).</summary>
    public double DropPathRate { get; init; }
    public double HeadDropout { get; init; }
    /// <summary>Input normalisation the weights were trained with: "imagenet" (VideoMAE) or "inception" (mean = std = 0.5, ViViT's [-1, 1]).</summary>
    public string Normalization { get; init; } = "imagenet";

    /// <summary>What the network takes, for data sources.</summary>
    public InputSpec Input => new(Frames, ImageSize, Normalization);
    /// <summary>VideoMAE multiplies the freshly initialised head by this (init_scale).</summary>
    public double InitScale { get; init; } = 0.001;

    /// <summary>Most patch tokens a clip may have (see <see cref="Validate"/>).</summary>
    public const long MaxTokens = 65_536;

    public int GridT => Frames / Tubelet;
    public int GridHW => ImageSize / PatchSize;
    public int NumPatches => GridT * GridHW * GridHW;
    public int NumTokens => NumPatches + (ClsToken ? 1 : 0);

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = false,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Throws ArgumentException naming the first inconsistency.</summary>
    public ModelConfig Validate()
    {
        void Check(bool ok, string what) { if (!ok) throw new ArgumentException($"model {Name}: {what}"); }
        Check(Family is "videomae" or "vivit", $"family '{Family}' is not videomae or vivit");
        Check(EmbedDim > 0 && NumHeads > 0 && EmbedDim % NumHeads == 0, $"embed_dim {EmbedDim} is not a multiple of num_heads {NumHeads}");
        Check(Depth > 0, "depth must be positive");
        Check(Frames > 0 && Tubelet > 0, $"frames ({Frames}) and tubelet ({Tubelet}) must be positive");
        Check(Frames % Tubelet == 0, $"frames {Frames} is not a multiple of the tubelet {Tubelet}");
        Check(ImageSize > 0 && PatchSize > 0, $"image size ({ImageSize}) and patch size ({PatchSize}) must be positive");
        Check(ImageSize % PatchSize == 0, $"image size {ImageSize} is not a multiple of the patch {PatchSize}");
        Check(QkvBias is "qv" or "full" or "none", $"qkv_bias '{QkvBias}' is not qv, full or none");
        Check(Pooling is "mean" or "first", $"pooling '{Pooling}' is not mean or first");
        Check(Activation is "gelu" or "gelu_tanh", $"activation '{Activation}' is not gelu or gelu_tanh");
        Check(PosEmbed is "sincos" or "learned", $"pos_embed '{PosEmbed}' is not sincos or learned");
        Check(Normalization is "imagenet" or "inception", $"normalization '{Normalization}' is not imagenet or inception");
        Check(NumClasses >= 0, "num_classes must be >= 0");
        Check(MlpRatio > 0 && double.IsFinite(MlpRatio) && EmbedDim * MlpRatio >= 1, $"mlp_ratio {MlpRatio} must be positive");
        Check(InChans > 0, $"in_chans {InChans} must be positive");
        Check(NormEps > 0 && double.IsFinite(NormEps) && FcNormEps > 0 && double.IsFinite(FcNormEps), $"norm_eps {NormEps} and fc_norm_eps {FcNormEps} must be positive");
        Check(DropPathRate is >= 0 and < 1, $"drop_path_rate {DropPathRate} must be in [0, 1)");
        Check(HeadDropout is >= 0 and < 1, $"head_dropout {HeadDropout} must be in [0, 1)");
        Check(double.IsFinite(InitValues) && double.IsFinite(InitScale), $"init_values {InitValues} and init_scale {InitScale} must be finite");
        // Attention and activations grow with the tokens of a clip: 16×224² is 1,568 and 32×448² 12,544. Far past that a
        // run does not fail, the kernel's OOM killer ends it without a word, so an absurd --frames or --size is refused here.
        Check((long)(Frames / Tubelet) * (ImageSize / PatchSize) * (ImageSize / PatchSize) <= MaxTokens,
            $"frames {Frames} at size {ImageSize} make {(long)(Frames / Tubelet) * (ImageSize / PatchSize) * (ImageSize / PatchSize)} tokens a clip, more than {MaxTokens} (--frames, --size)");
        return this;
    }
}
