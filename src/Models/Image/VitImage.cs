using TorchSharp;
using TorchSharp.Modules;
using VideoVCReg.Models.Regularization;
using static TorchSharp.torch;
using VideoVCReg.Models.Layers;
using VideoVCReg.Runtime;

namespace VideoVCReg.Models.Image;

/// <summary>
/// Image ViT in torchvision's layout (`conv_proj`, `class_token`, `encoder.pos_embedding`,
/// `encoder.layers.encoder_layer_N`, `encoder.ln`, `heads.head`). ViT-B/32: patch 32, width 768,
/// depth 12, 12 heads, MLP 3072, classifier on the class token.
/// </summary>
public sealed class VitImage : Network
{
    readonly AutocastConv2d conv_proj;
    readonly Parameter class_token;
    readonly VitEncoder encoder;
    readonly Sequential heads;
    readonly long patch, imageSize;

    public VitImage(long imageSize, long patch, long dim, long depth, long heads, long mlpDim, long numClasses = 1000) : base(nameof(VitImage))
    {
        this.patch = patch;
        this.imageSize = imageSize;
        conv_proj = new AutocastConv2d(3, dim, patch, stride: patch);
        class_token = new Parameter(zeros(1, 1, dim));
        long tokens = (imageSize / patch) * (imageSize / patch) + 1;
        encoder = new VitEncoder(tokens, dim, depth, heads, mlpDim);
        this.heads = nn.Sequential(("head", new AutocastLinear(dim, numClasses)));
        RegisterComponents();
    }

    public static VitImage B32(long numClasses = 1000, long imageSize = 224) => new(imageSize, 32, 768, 12, 12, 3072, numClasses);

    public override nn.Module<Tensor, Tensor> HeadInput => (nn.Module<Tensor, Tensor>)heads.children().First();

    /// <summary>The classifier's outputs: its weight is [classes, features].</summary>
    public override long Classes => HeadInput.parameters().First().shape[0];
    public override IReadOnlyList<nn.Module<Tensor, Tensor>> BlockModules => encoder.Layers;

    /// <summary>Its position table fixes the input size; data sources resize to it.</summary>
    public override InputSpec Input => new(1, (int)imageSize, "imagenet");

    /// <summary>Layer decay as for the video ViT: stem, class token and positions 0, encoder layer i i+1, encoder.ln and heads last.</summary>
    public override int DecayLayers => encoder.Layers.Count + 2;

    public override int LayerId(string parameterName)
    {
        if (parameterName.StartsWith("conv_proj.") || parameterName is "class_token" or "encoder.pos_embedding") return 0;
        const string layer = "encoder.layers.encoder_layer_";
        if (parameterName.StartsWith(layer)) return int.Parse(parameterName[layer.Length..].Split('.')[0]) + 1;
        return DecayLayers - 1;
    }

    /// <summary>The class token after the encoder's final LayerNorm.</summary>
    public override Tensor Features(Tensor x)
    {
        var t = conv_proj.call(x).flatten(2).transpose(1, 2);          // (B, N, D)
        t = cat([class_token.expand(t.shape[0], -1, -1), t], 1);        // (B, 1+N, D)
        return encoder.call(t)[.., 0];                                  // (B, D)
    }

    public override Tensor forward(Tensor x) => heads.call(Features(x));
}

public sealed class VitEncoder : nn.Module<Tensor, Tensor>
{
    readonly Parameter pos_embedding;
    readonly VitLayers layers;
    readonly LayerNorm ln;

    public VitEncoder(long tokens, long dim, long depth, long heads, long mlpDim) : base(nameof(VitEncoder))
    {
        pos_embedding = new Parameter(empty(1, tokens, dim).normal_(0, 0.02));
        layers = new VitLayers(depth, dim, heads, mlpDim);
        ln = nn.LayerNorm(dim, 1e-6);
        RegisterComponents();
    }

    public IReadOnlyList<nn.Module<Tensor, Tensor>> Layers => layers.Blocks;

    public override Tensor forward(Tensor x)
    {
        x = x + pos_embedding;
        foreach (var layer in layers.Blocks) x = layer.call(x);
        return ln.call(x);
    }
}

/// <summary>
/// torchvision's `encoder.layers` (an OrderedDict of `encoder_layer_i`). Not TorchSharp's ModuleDict: its two indexers
/// both reflect as a property named "Item", and Module.to(device or dtype) then fails with a duplicate key, so the image
/// ViT could not move to CUDA.
/// </summary>
public sealed class VitLayers : nn.Module
{
    public IReadOnlyList<VitEncoderBlock> Blocks { get; }

    public VitLayers(long depth, long dim, long heads, long mlpDim) : base("layers")
    {
        Blocks = [.. Enumerable.Range(0, (int)depth).Select(_ => new VitEncoderBlock(dim, heads, mlpDim))];
        for (int i = 0; i < Blocks.Count; i++) register_module($"encoder_layer_{i}", Blocks[i]);
    }
}

/// <summary>torchvision's EncoderBlock: pre-norm attention and MLP (`mlp.0`, `mlp.3`), each with a residual.</summary>
public sealed class VitEncoderBlock : nn.Module<Tensor, Tensor>
{
    readonly LayerNorm ln_1, ln_2;
    readonly FusedSelfAttention self_attention;
    readonly Sequential mlp;

    public VitEncoderBlock(long dim, long heads, long mlpDim) : base(nameof(VitEncoderBlock))
    {
        ln_1 = nn.LayerNorm(dim, 1e-6);
        self_attention = new FusedSelfAttention(dim, heads);
        ln_2 = nn.LayerNorm(dim, 1e-6);
        mlp = nn.Sequential(new AutocastLinear(dim, mlpDim), nn.GELU(), nn.Dropout(0.0), new AutocastLinear(mlpDim, dim), nn.Dropout(0.0));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        x = x + self_attention.call(ln_1.call(x));
        return x + mlp.call(ln_2.call(x));
    }
}

/// <summary>
/// nn.MultiheadAttention's parameter layout (`in_proj_weight`, `in_proj_bias`, `out_proj`) computed with
/// the fused scaled_dot_product_attention kernel.
/// </summary>
public sealed class FusedSelfAttention : nn.Module<Tensor, Tensor>
{
    readonly Parameter in_proj_weight, in_proj_bias;
    readonly AutocastLinear out_proj;
    readonly long heads;

    public FusedSelfAttention(long dim, long heads) : base(nameof(FusedSelfAttention))
    {
        this.heads = heads;
        in_proj_weight = new Parameter(empty(3 * dim, dim));
        nn.init.xavier_uniform_(in_proj_weight);
        in_proj_bias = new Parameter(zeros(3 * dim));
        out_proj = new AutocastLinear(dim, dim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        long b = x.shape[0], n = x.shape[1], d = x.shape[2];
        var qkv = nn.functional.linear(Autocast.Low(x), Autocast.Low(in_proj_weight), Autocast.Low(in_proj_bias))
            .reshape(b, n, 3, heads, d / heads).permute(2, 0, 3, 1, 4);   // (3, B, h, N, d/h)
        var o = nn.functional.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2]);
        return out_proj.call(o.transpose(1, 2).reshape(b, n, d));
    }
}
