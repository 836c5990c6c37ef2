using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using BatchNorm = VideoVCReg.Models.Norms.BatchNorm;
using VideoVCReg.Models.Layers;

namespace VideoVCReg.Models.Image;

/// <summary>
/// The CIFAR ResNets of He et al. (2016, §4.2) as the long-tail literature uses them: ResNet-32 is three stages of
/// five basic blocks at 16, 32 and 64 channels on 32×32 inputs. Layout and keys follow LDAM-DRW's
/// <c>models/resnet_cifar.py</c> (Cao et al. 2019: <c>conv1</c>, <c>bn1</c>, <c>layer1..3.N.{conv1,bn1,conv2,bn2}</c>,
/// <c>linear</c>), whose shortcuts are option A: a stride-2 subsample padded with zero channels, no parameters.
/// </summary>
public sealed class ResNetCifar : Network
{
    readonly AutocastConv2d conv1;
    readonly BatchNorm bn1;
    readonly Sequential layer1, layer2, layer3;
    readonly AutocastLinear linear;
    readonly List<nn.Module<Tensor, Tensor>> blocks = [];

    public ResNetCifar(int blocksPerStage, long numClasses = 10) : base(nameof(ResNetCifar))
    {
        conv1 = new AutocastConv2d(3, 16, 3, stride: 1, padding: 1, bias: false);
        bn1 = new BatchNorm(16);
        long inPlanes = 16;
        Sequential Stage(long planes, long stride)
        {
            var list = new List<(string, nn.Module<Tensor, Tensor>)>();
            for (int i = 0; i < blocksPerStage; i++)
            {
                var block = new CifarBasicBlock(inPlanes, planes, i == 0 ? stride : 1);
                list.Add(($"{i}", block));
                blocks.Add(block);
                inPlanes = planes;
            }
            return nn.Sequential(list);
        }
        layer1 = Stage(16, 1);
        layer2 = Stage(32, 2);
        layer3 = Stage(64, 2);
        linear = new AutocastLinear(64, numClasses);
        RegisterComponents();
        // LDAM-DRW's _weights_init: Kaiming-normal convolutions and linear layer.
        using var _ = no_grad();
        foreach (var (name, p) in named_parameters())
            if (name.EndsWith("weight") && p.dim() > 1) nn.init.kaiming_normal_(p);
    }

    public static ResNetCifar R32(long numClasses = 10) => new(5, numClasses);

    public override nn.Module<Tensor, Tensor> HeadInput => linear;

    /// <summary>The classifier's outputs: its weight is [classes, features].</summary>
    public override long Classes => HeadInput.parameters().First().shape[0];
    public override IReadOnlyList<nn.Module<Tensor, Tensor>> BlockModules => blocks;

    public override Tensor Features(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = nn.functional.relu(bn1.call(conv1.call(x)));
        y = layer3.call(layer2.call(layer1.call(y)));
        return nn.functional.adaptive_avg_pool2d(y, 1).flatten(1).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor x) => linear.call(Features(x));
}

/// <summary>A CIFAR basic block; where the shape changes, the shortcut subsamples by 2 and pads planes/4 zero channels on each side.</summary>
public sealed class CifarBasicBlock : nn.Module<Tensor, Tensor>
{
    readonly AutocastConv2d conv1, conv2;
    readonly BatchNorm bn1, bn2;
    readonly long pad;
    readonly bool subsample;

    public CifarBasicBlock(long inPlanes, long planes, long stride) : base(nameof(CifarBasicBlock))
    {
        conv1 = new AutocastConv2d(inPlanes, planes, 3, stride: stride, padding: 1, bias: false);
        bn1 = new BatchNorm(planes);
        conv2 = new AutocastConv2d(planes, planes, 3, stride: 1, padding: 1, bias: false);
        bn2 = new BatchNorm(planes);
        subsample = stride != 1 || inPlanes != planes;
        pad = subsample ? planes / 4 : 0;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = nn.functional.relu(bn1.call(conv1.call(x)));
        y = bn2.call(conv2.call(y));
        var shortcut = subsample
            ? nn.functional.pad(x[.., .., TensorIndex.Slice(null, null, 2), TensorIndex.Slice(null, null, 2)], [0, 0, 0, 0, pad, pad])
            : x;
        return nn.functional.relu(y + shortcut).MoveToOuterDisposeScope();
    }
}
