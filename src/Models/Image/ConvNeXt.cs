using TorchSharp;
using TorchSharp.Modules;
using VideoVCReg.Models.Regularization;
using static TorchSharp.torch;
using VideoVCReg.Models.Layers;

namespace VideoVCReg.Models.Image;

/// <summary>
/// ConvNeXt (Liu et al., 2022) in torchvision's layout: `features.0` stem, stages at odd indices, downsampling
/// layers at `features.2/4/6`, `classifier.0` LayerNorm2d and `classifier.2` Linear.
/// ConvNeXt-T: depths (3, 3, 9, 3), widths (96, 192, 384, 768), so 18 blocks and 3 downsamples.
/// </summary>
public sealed class ConvNeXt : Network
{
    readonly Sequential features, classifier;
    readonly List<nn.Module<Tensor, Tensor>> blocks = [], downsamples = [];

    public ConvNeXt(long[] depths, long[] widths, long numClasses = 1000, double stochasticDepth = 0.1) : base(nameof(ConvNeXt))
    {
        var stem = nn.Sequential(new AutocastConv2d(3, widths[0], 4, stride: 4), new LayerNorm2d(widths[0]));
        var layers = new List<nn.Module<Tensor, Tensor>> { stem };
        long total = depths.Sum(), index = 0;
        for (int s = 0; s < depths.Length; s++)
        {
            var stage = new List<nn.Module<Tensor, Tensor>>();
            for (int b = 0; b < depths[s]; b++, index++)
            {
                // Linear decay of the drop probability over all blocks, as torchvision does.
                var block = new CNBlock(widths[s], stochasticDepth * index / Math.Max(1, total - 1));
                stage.Add(block);
                blocks.Add(block);
            }
            layers.Add(nn.Sequential(stage.ToArray()));
            if (s + 1 < depths.Length)
            {
                var down = nn.Sequential(new LayerNorm2d(widths[s]), new AutocastConv2d(widths[s], widths[s + 1], 2, stride: 2));
                layers.Add(down);
                downsamples.Add(down);
            }
        }
        features = nn.Sequential(layers.ToArray());
        classifier = nn.Sequential(new LayerNorm2d(widths[^1]), nn.Flatten(1), new AutocastLinear(widths[^1], numClasses));
        RegisterComponents();
    }

    public static ConvNeXt Tiny(long numClasses = 1000) => new([3, 3, 9, 3], [96, 192, 384, 768], numClasses);

    /// <summary>ConvNeXt-Atto (timm's smallest; the paper's appendix A): depths 2-2-6-2, widths 40-80-160-320, as torchvision's generic class builds it.</summary>
    public static ConvNeXt Atto(long numClasses = 1000) => new([2, 2, 6, 2], [40, 80, 160, 320], numClasses);

    public override nn.Module<Tensor, Tensor> HeadInput => (nn.Module<Tensor, Tensor>)classifier.children().Last();

    /// <summary>The classifier's outputs: its weight is [classes, features].</summary>
    public override long Classes => HeadInput.parameters().First().shape[0];
    public override IReadOnlyList<nn.Module<Tensor, Tensor>> BlockModules => blocks;
    public override IReadOnlyList<nn.Module<Tensor, Tensor>> DownsampleModules => downsamples;

    /// <summary>Pooled, then the classifier's LayerNorm2d and Flatten: the input of its last Linear.</summary>
    public override Tensor Features(Tensor x)
    {
        var f = nn.functional.adaptive_avg_pool2d(features.call(x), 1);  // (B, C, 1, 1)
        foreach (var m in classifier.children().SkipLast(1)) f = ((nn.Module<Tensor, Tensor>)m).call(f);
        return f;                                                         // (B, C)
    }

    public override Tensor forward(Tensor x) => HeadInput.call(Features(x));
}

/// <summary>torchvision's CNBlock: dw 7×7 conv, LayerNorm, 4× MLP, layer scale, stochastic depth, residual.</summary>
public sealed class CNBlock : nn.Module<Tensor, Tensor>
{
    readonly Sequential block;
    readonly Parameter layer_scale;
    readonly DropPath stochastic_depth;

    public CNBlock(long dim, double dropPath) : base(nameof(CNBlock))
    {
        block = nn.Sequential(
            new AutocastConv2d(dim, dim, 7, padding: 3, groups: dim),
            new Permute(0, 2, 3, 1),
            nn.LayerNorm(dim, 1e-6),
            new AutocastLinear(dim, 4 * dim),
            nn.GELU(),
            new AutocastLinear(4 * dim, dim),
            new Permute(0, 3, 1, 2));
        layer_scale = new Parameter(full(dim, 1, 1, 1e-6));
        stochastic_depth = new DropPath(dropPath);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var y = layer_scale * block.call(x);
        return x + stochastic_depth.call(y);
    }
}
