using VideoVCReg.Models;
using VideoVCReg.Models.Image;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Models;

/// <summary>
/// <see cref="Network"/> is the whole contract outside Models: its class count is the logits' width, and its
/// features are exactly what its head module receives, for every family (no caller casts to a concrete model).
/// </summary>
public class NetworkContractTests
{
    public static TheoryData<string> Families => ["videomae", "vivit", "resnet32", "convnext", "vit-image", "feature-classifier"];

    static (Network Net, Tensor Input) Make(string family) => family switch
    {
        "videomae" => (new VisionTransformer(new ModelConfig { Name = "t", EmbedDim = 32, Depth = 1, NumHeads = 2, Tubelet = 2, PatchSize = 8, Frames = 2, ImageSize = 16, NumClasses = 5 }),
            randn([2, 3, 2, 16, 16])),
        "vivit" => (new VisionTransformer(new ModelConfig { Name = "v", EmbedDim = 32, Depth = 1, NumHeads = 2, Tubelet = 2, PatchSize = 8, Frames = 2, ImageSize = 16, NumClasses = 6,
            ClsToken = true, Pooling = "first", PosEmbed = "learned" }), randn([2, 3, 2, 16, 16])),
        "resnet32" => (ResNetCifar.R32(7), randn(2, 3, 16, 16)),
        "convnext" => (ConvNeXt.Atto(4), randn(2, 3, 32, 32)),
        "vit-image" => (new VitImage(32, 16, 32, 1, 2, 64, 3), randn(2, 3, 32, 32)),
        _ => (new FeatureClassifier(8, 9), randn(2, 8)),
    };

    [Theory]
    [MemberData(nameof(Families))]
    public void Classes_is_the_logits_width_and_features_are_the_heads_input(string family)
    {
        manual_seed(3);
        var (net, x) = Make(family);
        using (net)
        {
            net.eval();
            Tensor? seen = null;
            net.HeadInput.register_forward_pre_hook((_, input) => { seen = input.detach().clone().DetachFromDisposeScope(); return input; });
            using var logits = net.call(x);
            Assert.Equal(net.Classes, logits.shape[^1]);
            if (family == "feature-classifier") return;          // its features are its input: no path of its own
            using var features = net.Features(x);
            Assert.Equal(seen!.shape, features.shape);
            Assert.True(allclose(seen!, features, rtol: 1e-6, atol: 1e-6), $"{family}: Features differs from the head's input");
        }
    }
}
