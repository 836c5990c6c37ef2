using TorchSharp;
using VideoVCReg.Models;
using VideoVCReg.Models.Image;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.ImageModels;

/// <summary>
/// libtorch 2.10's oneDNN computes some float32 convolutions wrongly at full AVX-512 width on this project's machines
/// (a 40→40 3×3 convolution on 8×8 maps returns NaN). Every convolution of these networks must not be one of them:
/// each network's float32 forward equals its float64 forward (libtorch's reference path) to float32 rounding.
/// </summary>
public class Float32ConvolutionTests
{
    public static TheoryData<string, int> Networks() => new()
    {
        { "convnext-atto", 32 }, { "convnext-atto", 64 }, { "convnext-t", 64 }, { "resnet18", 32 }, { "resnet18", 64 },
        { "resnet50", 64 }, { "resnet32", 32 }, { "vit-b32", 64 }, { "videomae-s", 32 },
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void Float32_forward_equals_float64_forward(string network, int size)
    {
        var g = new Generator(9);
        Network net = network == "videomae-s"
            ? new VisionTransformer(ModelPresets.Get("videomae-s") with { Frames = 4, ImageSize = size, NumClasses = 6 })
            : ImagePresets.Build(ImagePresets.Get(network) with { InputSize = size }, 6);
        net.eval();
        long[] shape = network == "videomae-s" ? [2, 3, 4, size, size] : [2, 3, size, size];
        var x = randn(shape, generator: g);
        using var _ = no_grad();
        var single = net.call(x).to_type(ScalarType.Float64);
        net.to(ScalarType.Float64);
        var reference = net.call(x.to_type(ScalarType.Float64));
        double error = (single - reference).abs().max().ToDouble() / reference.abs().max().ToDouble();
        // Measured 1.5e-7 to 2e-6; a wrong convolution is off by percents or NaN.
        Assert.True(error < 1e-4, $"{network} at {size} px: float32 logits {error:E2} from float64's");
    }
}
