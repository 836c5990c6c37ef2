using TorchSharp;
using TorchSharp.Modules;
using VideoVCReg.Models.Regularization;
using static TorchSharp.torch;
using BatchNorm = VideoVCReg.Models.Norms.BatchNorm;
using VideoVCReg.Models.Layers;
using VideoVCReg.Runtime;

namespace VideoVCReg.Models.Image;

/// <summary>
/// ResNet (He et al., 2016) in torchvision's layout: `conv1`, `bn1`, `layer1`..`layer4` of blocks, `fc`;
/// stride on the 3×3 conv of a bottleneck (torchvision's "v1.5"). ResNet-50: bottlenecks (3, 4, 6, 3), so
/// 16 block sites; the downsample sites are the strided shortcut projections (`layer2/3/4.0.downsample`, the
/// layers that halve the resolution), 3 in ResNet-50 and ResNet-18.
/// </summary>
public sealed class ResNet : Network
{
    readonly AutocastConv2d conv1;
    readonly BatchNorm bn1;
    readonly Sequential layer1, layer2, layer3, layer4;
    readonly AutocastLinear fc;
    readonly List<nn.Module<Tensor, Tensor>> blocks = [], downsamples = [];

    /// <param name="bottleneck">Bottleneck blocks (expansion 4) as ResNet-50/101; else basic blocks as ResNet-18/34.</param>
    /// <param name="widths">Stage widths before expansion; torchvision's are (64, 128, 256, 512).</param>
    public ResNet(bool bottleneck, long[] depths, long numClasses = 1000, long[]? widths = null) : base(nameof(ResNet))
    {
        widths ??= [64, 128, 256, 512];
        if (depths.Length != 4 || widths.Length != 4) throw new ArgumentException("ResNet needs four stages");
        long expansion = bottleneck ? 4 : 1, inplanes = widths[0];
        conv1 = new AutocastConv2d(3, inplanes, 7, stride: 2, padding: 3, bias: false);
        bn1 = new BatchNorm(inplanes);
        Sequential Stage(int s)
        {
            var stage = new List<nn.Module<Tensor, Tensor>>();
            for (int b = 0; b < depths[s]; b++)
            {
                long stride = b == 0 && s > 0 ? 2 : 1, planes = widths[s];
                Sequential? down = null;
                if (b == 0 && (stride != 1 || inplanes != planes * expansion))
                {
                    down = nn.Sequential(new PointwiseConv(inplanes, planes * expansion, stride), new BatchNorm(planes * expansion));
                    if (stride != 1) downsamples.Add(down); // layer1's projection only widens: not a downsampling layer
                }
                nn.Module<Tensor, Tensor> block = bottleneck ? new Bottleneck(inplanes, planes, stride, down) : new BasicBlock(inplanes, planes, stride, down);
                stage.Add(block);
                blocks.Add(block);
                inplanes = planes * expansion;
            }
            return nn.Sequential(stage.ToArray());
        }
        layer1 = Stage(0); layer2 = Stage(1); layer3 = Stage(2); layer4 = Stage(3);
        fc = new AutocastLinear(inplanes, numClasses);
        RegisterComponents();
        // torchvision's initialisation: He normal (fan_out) for convolutions, BN at (1, 0); fc keeps Linear's default.
        foreach (var m in modules())
            if (m is AutocastConv2d c) nn.init.kaiming_normal_(c.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
    }

    public static ResNet R50(long numClasses = 1000) => new(bottleneck: true, [3, 4, 6, 3], numClasses);
    public static ResNet R18(long numClasses = 1000) => new(bottleneck: false, [2, 2, 2, 2], numClasses);

    public override nn.Module<Tensor, Tensor> HeadInput => fc;

    /// <summary>The classifier's outputs: its weight is [classes, features].</summary>
    public override long Classes => HeadInput.parameters().First().shape[0];
    public override IReadOnlyList<nn.Module<Tensor, Tensor>> BlockModules => blocks;
    public override IReadOnlyList<nn.Module<Tensor, Tensor>> DownsampleModules => downsamples;

    public override Tensor Features(Tensor x)
    {
        x = nn.functional.max_pool2d(nn.functional.relu(bn1.call(conv1.call(x))), 3, 2, 1);
        x = layer4.call(layer3.call(layer2.call(layer1.call(x))));
        return nn.functional.adaptive_avg_pool2d(x, 1).flatten(1);
    }

    public override Tensor forward(Tensor x) => fc.call(Features(x));
}

/// <summary>
/// torchvision's Bottleneck: 1×1 reduce, 3×3 (carries the stride), 1×1 expand ×4, each with BN; projection
/// shortcut when the shape changes. Out-of-place residual and ReLU: a placement's output is an alias that
/// libtorch forbids editing in place.
/// </summary>
public sealed class Bottleneck : nn.Module<Tensor, Tensor>
{
    readonly AutocastConv2d conv1, conv2, conv3;
    readonly BatchNorm bn1, bn2, bn3;
    readonly Sequential? downsample;

    public Bottleneck(long inplanes, long planes, long stride, Sequential? downsample) : base(nameof(Bottleneck))
    {
        conv1 = new AutocastConv2d(inplanes, planes, 1, bias: false);
        bn1 = new BatchNorm(planes);
        conv2 = new AutocastConv2d(planes, planes, 3, stride: stride, padding: 1, bias: false);
        bn2 = new BatchNorm(planes);
        conv3 = new AutocastConv2d(planes, planes * 4, 1, bias: false);
        bn3 = new BatchNorm(planes * 4);
        this.downsample = downsample;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var y = nn.functional.relu(bn1.call(conv1.call(x)));
        y = nn.functional.relu(bn2.call(conv2.call(y)));
        y = bn3.call(conv3.call(y));
        return nn.functional.relu(y + (downsample?.call(x) ?? x));
    }
}

/// <summary>torchvision's BasicBlock: two 3×3 convs with BN (the first carries the stride), projection shortcut when needed.</summary>
public sealed class BasicBlock : nn.Module<Tensor, Tensor>
{
    readonly AutocastConv2d conv1, conv2;
    readonly BatchNorm bn1, bn2;
    readonly Sequential? downsample;

    public BasicBlock(long inplanes, long planes, long stride, Sequential? downsample) : base(nameof(BasicBlock))
    {
        conv1 = new AutocastConv2d(inplanes, planes, 3, stride: stride, padding: 1, bias: false);
        bn1 = new BatchNorm(planes);
        conv2 = new AutocastConv2d(planes, planes, 3, padding: 1, bias: false);
        bn2 = new BatchNorm(planes);
        this.downsample = downsample;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var y = nn.functional.relu(bn1.call(conv1.call(x)));
        y = bn2.call(conv2.call(y));
        return nn.functional.relu(y + (downsample?.call(x) ?? x));
    }
}

/// <summary>
/// A bias-free 1×1 convolution with a stride, computed as subsampling then a stride-1 1×1 convolution: the same
/// maths (padding 0), the same `weight` key. libtorch 2.10's CPU backward of a strided 1×1 convolution dies with
/// SIGFPE (integer divide) for wide layers such as ResNet-50's layer3/layer4 shortcuts (512→1024, 1024→2048).
/// </summary>
public sealed class PointwiseConv : nn.Module<Tensor, Tensor>
{
    readonly Parameter weight;
    readonly long stride;

    public PointwiseConv(long inChannels, long outChannels, long stride) : base(nameof(PointwiseConv))
    {
        weight = new Parameter(empty(outChannels, inChannels, 1, 1));
        nn.init.kaiming_normal_(weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
        this.stride = stride;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        if (stride > 1) x = x[.., .., TensorIndex.Slice(null, null, stride), TensorIndex.Slice(null, null, stride)];
        return nn.functional.conv2d(Autocast.Low(x), Autocast.Low(weight));
    }
}
