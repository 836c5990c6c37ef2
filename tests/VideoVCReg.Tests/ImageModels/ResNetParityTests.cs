using TorchSharp;
using VideoVCReg.Models.Checkpoints;
using VideoVCReg.Models.Image;
using VideoVCReg.Runtime.IO;
using VideoVCReg.Models.Regularization;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.ImageModels;

/// <summary>
/// ResNet computes what torchvision's computes. torchvision fixes the stage widths, so even one block per stage
/// is 8M parameters: the reference is written at test time by torchvision (make_image_fixtures.py resnet),
/// every parameter and BatchNorm statistic random, in eval mode.
/// </summary>
public class ResNetParityTests
{
    [Theory]
    [InlineData("bottleneck")]
    [InlineData("basic")]
    public void Torchvision_resnet_loads_strictly_and_reproduces_torchvision_logits(string kind)
    {
        var dir = Directory.CreateTempSubdirectory("resnet-fixture-").FullName;
        try
        {
            Support.PythonScript.Run(ImageFixtures.File("make_image_fixtures.py"), "resnet", kind, dir);
            using var scope = NewDisposeScope();
            using var model = new ResNet(kind == "bottleneck", [1, 1, 1, 1], numClasses: 5);
            TorchvisionCheckpoint.LoadStrict(model, Path.Combine(dir, "resnet.pth"));
            model.eval();
            using var _ = no_grad();
            var logits = model.call(NpyFile.ReadFloat32(Path.Combine(dir, "resnet.input.npy")));
            var want = NpyFile.ReadFloat32(Path.Combine(dir, "resnet.logits.npy"));
            var err = ImageFixtures.MaxAbsDiff(logits, want);
            Assert.True(err <= 1e-4 * Math.Max(1, want.abs().max().item<float>()), $"{kind}: max abs error {err:E2}");
            Assert.True(want.std().item<float>() > 0.1, $"{kind}: reference logits barely vary");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Wide_strided_shortcuts_train_a_step()
    {
        // libtorch 2.10's CPU backward of a strided 1×1 conv (512→1024, 1024→2048) dies with SIGFPE, taking the
        // process with it; PointwiseConv subsamples first. This is that shape at a small input.
        using var scope = NewDisposeScope();
        using var model = new ResNet(bottleneck: true, [1, 1, 1, 1], numClasses: 3);
        var x = randn([2, 3, 64, 64], generator: new Generator(6)).requires_grad_(true);
        model.call(x).logsumexp(1).sum().backward();
        Assert.True(x.grad is not null && x.grad.abs().sum().item<float>() > 0, "no gradient reached the input");
        Assert.All(model.parameters(), p => Assert.True(isfinite(p.grad!).all().item<bool>()));
    }

    [Fact]
    public void Pointwise_shortcut_equals_a_strided_convolution()
    {
        using var scope = NewDisposeScope();
        var conv = new PointwiseConv(8, 16, 2);
        var x = randn([2, 8, 9, 9], generator: new Generator(7));
        var want = nn.functional.conv2d(x, conv.parameters().Single(), strides: [2, 2]);
        Assert.Equal(want.shape, conv.call(x).shape);
        Assert.Equal(0.0, (conv.call(x) - want).abs().max().item<float>(), 6);
    }

    [Theory]
    [InlineData("head", 1)]
    [InlineData("blocks", 16)]
    [InlineData("downsample", 3)]
    [InlineData("blocks+downsample", 19)]
    public void Resnet50_sites_follow_the_placement(string placement, int sites)
    {
        using var model = ResNet.R50();
        using var attached = AttachedRegularizer.Attach(model, new VcReg(new VcRegOptions()), PlacementNames.Parse(placement));
        Assert.Equal(sites, attached.SiteCount);
    }

    [Fact]
    public void Fast_and_naive_vcreg_give_the_same_gradients_through_a_resnet_at_every_site()
    {
        // Narrow widths keep float64 quick; at 32x32 input layer3's 2x2 and layer4's 1x1 maps have fewer positions
        // than channels (the Gram path), the earlier ones more (the d×d path).
        var model = new ResNet(bottleneck: true, [1, 1, 1, 1], numClasses: 3, widths: [4, 8, 8, 16]).to(float64);
        var input = randn([2, 3, 32, 32], float64, generator: new Generator(4));
        var (fast, naive) = Regularization.PlacementTests.FastAndNaiveGradients(model, input, new VcRegOptions { Alpha = 1.5, Beta = 0.7 },
            Placement.Head | Placement.BlocksAndDownsample, 1 + 4 + 3);
        model.zero_grad();
        model.call(input).logsumexp(1).mean().backward();
        var plain = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone());
        Regularization.PlacementTests.AssertSameGradients(fast, naive);
        Assert.True((fast["conv1.weight"] - plain["conv1.weight"]).abs().max().item<double>() > 1e-6, "the regularizer changed nothing");
    }
}
