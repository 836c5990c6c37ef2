using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using VideoVCReg.Models.Layers;

namespace VideoVCReg.Models;

/// <summary>
/// Video ViT: VideoMAE / VideoMAEv2 (`modeling_finetune.VisionTransformer`) and, with a cls token, learned
/// positions and gelu_tanh, ViViT-B's joint space-time encoder. Field names equal the official VideoMAE
/// state_dict keys, so `state_dict()` loads into the original code and the original checkpoints load here.
///
/// forward = head(head_dropout(pre_logits(ForwardFeatures(x)))).
/// Hook points for regularizers: `blocks.N` outputs ([B, N, D] per block) and `pre_logits`, an Identity
/// whose output is the pooled feature entering the head ([B, D]); neither owns state_dict keys.
/// </summary>
public sealed class VisionTransformer : Network
{
    readonly PatchEmbed3d patch_embed;
    readonly Parameter? cls_token;       // [1, 1, D] (ViViT)
    readonly Parameter? pos_embed;       // [1, tokens, D] when learned; the sin-cos table is not a parameter
    readonly Dropout pos_drop;
    readonly ModuleList<Block> blocks;
    readonly LayerNorm? norm;            // pooling "first": norm(x)[:, 0]
    readonly LayerNorm? fc_norm;         // pooling "mean": fc_norm(mean(x))
    readonly Identity pre_logits;        // hook point: pooled features
    readonly Dropout head_dropout;
    readonly nn.Module<Tensor, Tensor> head;

    // The fixed table lives outside the module's tensors so that it never appears in the state_dict.
    readonly Dictionary<(Device, int), Tensor> sinCos = new();

    public ModelConfig Config { get; }

    public VisionTransformer(ModelConfig config) : base("VisionTransformer")
    {
        Config = config.Validate();
        var c = config;
        patch_embed = new PatchEmbed3d(c);
        if (c.ClsToken) cls_token = nn.Parameter(torch.zeros(1, 1, c.EmbedDim));
        if (c.PosEmbed == "learned") pos_embed = nn.Parameter(torch.zeros(1, c.NumTokens, c.EmbedDim));
        pos_drop = nn.Dropout(0.0);
        // Stochastic depth decays linearly over depth: rate · i / (depth - 1), as torch.linspace(0, rate, depth).
        blocks = nn.ModuleList(Enumerable.Range(0, c.Depth)
            .Select(i => new Block(c, c.Depth == 1 ? c.DropPathRate : c.DropPathRate * i / (c.Depth - 1))).ToArray());
        if (c.Pooling == "mean") fc_norm = nn.LayerNorm(c.EmbedDim, c.FcNormEps);
        else norm = nn.LayerNorm(c.EmbedDim, c.NormEps);
        pre_logits = nn.Identity();
        head_dropout = nn.Dropout(c.HeadDropout);
        head = c.NumClasses > 0 ? new AutocastLinear(c.EmbedDim, c.NumClasses) : nn.Identity();
        RegisterComponents();
        InitWeights();
    }

    public ModuleList<Block> Blocks => blocks;
    public nn.Module<Tensor, Tensor> PreLogits => pre_logits;
    public nn.Module<Tensor, Tensor> Head => head;

    // Regularization sites: the features entering the head (paper Table 2 places VCReg there), taken in
    // front of head_dropout so VideoMAEv2's 0.5 dropout never reaches them, and every block output.
    public override nn.Module<Tensor, Tensor> HeadInput => head_dropout;

    public override long Classes => Config.NumClasses;

    /// <summary>The pooled feature entering the head (pre_logits' output), with gradients.</summary>
    public override Tensor Features(Tensor x) => pre_logits.call(ForwardFeatures(x));
    public override IReadOnlyList<nn.Module<Tensor, Tensor>> BlockModules => blocks.Cast<nn.Module<Tensor, Tensor>>().ToList();

    /// <summary>VideoMAE's layer ids (optim_factory.get_num_layer_for_vit): patch_embed, tokens and positions 0, blocks.i i+1, the rest depth+1.</summary>
    public override int DecayLayers => Config.Depth + 2;

    public override InputSpec Input => Config.Input;

    public override int LayerId(string parameterName)
    {
        if (parameterName.StartsWith("patch_embed.") || parameterName is "pos_embed" or "cls_token") return 0;
        if (parameterName.StartsWith("blocks.")) return int.Parse(parameterName.Split('.')[1]) + 1;
        return DecayLayers - 1;
    }

    /// <summary>VideoMAE's own keys; ViViT's are Hugging Face's (VivitForVideoClassification).</summary>
    public override Dictionary<string, Tensor> PublishedState()
    {
        var ours = base.PublishedState();
        return Config.Family == "vivit" ? Checkpoints.CheckpointLayouts.ToHfVivit(ours) : ours;
    }

    /// <summary>VideoMAE's checkpoints wrap the weights in {'model': ...}; Hugging Face's ViViT files are bare.</summary>
    public override bool PublishesBareStateDict => Config.Family == "vivit";

    /// <summary>VideoMAE's _init_weights: trunc_normal(0.02) linears with zero bias, unit LayerNorms, head × init_scale.</summary>
    void InitWeights()
    {
        using var _ = no_grad();
        foreach (var (name, p) in named_parameters())
        {
            if (name.EndsWith("norm1.weight") || name.EndsWith("norm2.weight") || name is "norm.weight" or "fc_norm.weight") p.fill_(1);
            else if (name.EndsWith(".bias") || name is "q_bias" || name.EndsWith("q_bias") || name.EndsWith("v_bias")) p.zero_();
            else if (name.EndsWith("attn.scale")) p.fill_(Math.Log(10));
            else if (name.EndsWith("gamma_1") || name.EndsWith("gamma_2")) p.fill_(Config.InitValues);
            else if (!name.StartsWith("patch_embed")) TruncatedNormal.Fill(p, std: 0.02);
        }
        ResetHead(Config.NumClasses);
    }

    /// <summary>Fresh head weights: trunc_normal(0.02) × init_scale, zero bias (VideoMAE fine-tuning start).</summary>
    public void ResetHead(int numClasses)
    {
        if (head is not AutocastLinear lin) return;
        if (lin.weight!.shape[0] != numClasses) throw new InvalidOperationException($"head has {lin.weight.shape[0]} outputs, not {numClasses}");
        using var _ = no_grad();
        TruncatedNormal.Fill(lin.weight, std: 0.02);
        lin.weight.mul_(Config.InitScale);
        lin.bias!.zero_();
    }

    Tensor SinCosTable(Device device, int n)
    {
        if (!sinCos.TryGetValue((device, n), out var t))
        {
            t = PositionEmbedding.SinCos(n, Config.EmbedDim).to(device).DetachFromDisposeScope();
            sinCos[(device, n)] = t;
        }
        return t;
    }

    /// <summary>[B, C, T, H, W] → pooled features [B, D] (the input of pre_logits and the head).</summary>
    public Tensor ForwardFeatures(Tensor x)
    {
        using var scope = NewDisposeScope();
        CheckInput(x);
        x = patch_embed.call(x);                                            // (B, N, D)
        if (cls_token is not null) x = torch.cat([cls_token.expand(x.shape[0], -1, -1), x], 1);
        x = pos_embed is not null ? x + pos_embed : x + SinCosTable(x.device, (int)x.shape[1]).to(x.dtype);
        x = pos_drop.call(x);
        foreach (var blk in blocks) x = blk.call(x);
        Tensor pooled;
        if (fc_norm is not null)
            pooled = fc_norm.call((cls_token is null ? x : x[.., 1..]).mean([1]));
        else
            pooled = norm!.call(x)[.., 0];
        return pooled.MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var f = pre_logits.call(ForwardFeatures(x));
        return head.call(head_dropout.call(f)).MoveToOuterDisposeScope();
    }

    void CheckInput(Tensor x)
    {
        var c = Config;
        if (x.dim() != 5 || x.shape[1] != c.InChans || x.shape[2] != c.Frames || x.shape[3] != c.ImageSize || x.shape[4] != c.ImageSize)
            throw new ArgumentException(
                $"model {c.Name} expects input [B, {c.InChans}, {c.Frames}, {c.ImageSize}, {c.ImageSize}], got [{string.Join(", ", x.shape)}]");
    }

    public long ParameterCount() => parameters().Sum(p => p.numel());

    protected override void Dispose(bool disposing)
    {
        if (disposing) foreach (var t in sinCos.Values) t.Dispose();
        sinCos.Clear();
        base.Dispose(disposing);
    }
}
