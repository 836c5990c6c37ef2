using TorchSharp;
using VideoVCReg.Models;
using VideoVCReg.Models.Image;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.ImageModels;

/// <summary>
/// Module.to(dtype) goes through the same TorchSharp code as Module.to(cuda), which this CPU machine cannot run: every
/// network must survive it with each parameter cast, not lost, and still compute. The image ViT once held its layers in
/// a ModuleDict, whose two indexers made TorchSharp's move fail ("same key: Item"), so it could not run on a GPU.
/// </summary>
public class ModuleMoveTests
{
    public static TheoryData<string> Networks => ["vit", "convnext", "resnet", "resnet-cifar", "video-vit"];

    static Network Build(string name) => name switch
    {
        "vit" => new VitImage(32, 16, 16, depth: 2, heads: 2, mlpDim: 32, numClasses: 3),
        "convnext" => ConvNeXt.Atto(3),
        "resnet" => ResNet.R18(3),
        "resnet-cifar" => ResNetCifar.R32(3),
        _ => new VisionTransformer(Models.ModelFixtures.Small()),
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void A_network_moves_to_float64_with_every_parameter_cast_and_still_computes(string name)
    {
        using var scope = NewDisposeScope();
        using var model = Build(name);
        var before = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        model.to(ScalarType.Float64);
        var after = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (key, p) in after)
        {
            Assert.Equal(ScalarType.Float64, p.dtype);
            Assert.True(p.to_type(ScalarType.Float32).eq(before[key]).all().item<bool>(), $"{name}: {key} changed its values");
        }
        model.eval();
        using var _ = no_grad();
        long[] shape = name == "video-vit" ? [1, 3, model.Input!.Frames, model.Input.Size, model.Input.Size] : [1, 3, 32, 32];
        var input = randn(shape, dtype: ScalarType.Float64);
        Assert.Equal(ScalarType.Float64, model.call(input).dtype);
    }
}
