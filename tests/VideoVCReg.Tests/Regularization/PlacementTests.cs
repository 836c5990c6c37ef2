using TorchSharp;
using VideoVCReg.Models.Image;
using VideoVCReg.Models.Regularization;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Regularization;

/// <summary>Placements attach by composition (hooks): the model's code and state_dict keys are untouched.</summary>
public class PlacementTests
{
    /// <summary>Relative to the largest gradient in the model: a parameter whose true gradient is ~0 only shows rounding noise.</summary>
    internal static void AssertSameGradients(Dictionary<string, Tensor> fast, Dictionary<string, Tensor> naive)
    {
        double scale = naive.Values.Max(g => g.abs().max().item<double>());
        Assert.True(scale > 1e-6, "no gradient reached the parameters");
        foreach (var (name, g) in naive)
        {
            double err = (fast[name] - g).abs().max().item<double>();
            Assert.True(err <= 1e-8 * scale, $"{name}: |fast − naive| = {err:E3}, largest gradient {scale:E3}");
        }
    }

    /// <summary>
    /// Parameter gradients of one model with the fast, then the naive VCReg at a placement (one model for both
    /// runs: a global seed would race with tests running in parallel).
    /// </summary>
    internal static (Dictionary<string, Tensor> Fast, Dictionary<string, Tensor> Naive) FastAndNaiveGradients(
        nn.Module<Tensor, Tensor> model, Tensor input, VcRegOptions o, Placement placement, int sites)
    {
        Dictionary<string, Tensor> Grads(bool fast)
        {
            model.zero_grad();
            var reg = new VcReg(o, fast);
            using var attached = AttachedRegularizer.Attach((IRegularizationSites)model, reg, placement);
            Assert.Equal(sites, attached.SiteCount);
            var loss = model.call(input).logsumexp(1).mean();
            if (reg.TakeLoss() is Tensor extra) loss = loss + extra;
            loss.backward();
            reg.AfterBackward();
            return model.named_parameters().Where(p => p.parameter.grad is not null).ToDictionary(p => p.name, p => p.parameter.grad!.clone());
        }
        return (Grads(true), Grads(false));
    }

    static ConvNeXt SmallConvNeXt() => new([1, 2], [4, 8], numClasses: 3, stochasticDepth: 0.0);

    [Theory]
    [InlineData("head", 1)]
    [InlineData("blocks", 3)]
    [InlineData("downsample", 1)]
    [InlineData("blocks+downsample", 4)]
    public void Convnext_sites_follow_the_placement(string placement, int sites)
    {
        var model = SmallConvNeXt();
        var keys = model.state_dict().Keys.ToList();
        using var attached = AttachedRegularizer.Attach(model, new VcReg(new VcRegOptions()), PlacementNames.Parse(placement));
        Assert.Equal(sites, attached.SiteCount);
        Assert.Equal(keys, model.state_dict().Keys.ToList());
    }

    [Fact]
    public void Vit_b32_has_twelve_block_sites_and_torchvision_keys()
    {
        var model = VitImage.B32(numClasses: 10);
        using var attached = AttachedRegularizer.Attach(model, new VcReg(new VcRegOptions()), Placement.Blocks);
        Assert.Equal(12, attached.SiteCount);
        var keys = model.state_dict().Keys.ToHashSet();
        foreach (var k in new[] { "conv_proj.weight", "class_token", "encoder.pos_embedding", "encoder.layers.encoder_layer_11.self_attention.in_proj_weight",
                     "encoder.layers.encoder_layer_0.mlp.3.bias", "encoder.ln.weight", "heads.head.weight" })
            Assert.Contains(k, keys);
        Assert.Equal(18, AttachedRegularizer.Attach(ConvNeXt.Tiny(), new VcReg(new VcRegOptions()), Placement.Blocks).SiteCount);
    }

    [Theory]
    [InlineData(VcRegScaling.Paper)]
    [InlineData(VcRegScaling.Loss)]
    public void Fast_and_naive_give_the_same_parameter_gradients_through_a_network(VcRegScaling scaling)
    {
        var input = randn([4, 3, 32, 32], float64, generator: new Generator(3));
        var model = SmallConvNeXt().to(float64);
        var (fast, naive) = FastAndNaiveGradients(model, input, new VcRegOptions { Alpha = 1.0, Beta = 0.5, Scaling = scaling }, Placement.Head | Placement.BlocksAndDownsample, 1 + 3 + 1);
        Assert.Equal(model.parameters().Count(), naive.Count);
        AssertSameGradients(fast, naive);
    }

    [Fact]
    public void Removing_the_attachment_restores_the_plain_gradient()
    {
        var input = randn([2, 3, 32, 32], float64, generator: new Generator(5));
        torch.manual_seed(1);
        var model = SmallConvNeXt().to(float64);
        model.call(input).sum().backward();
        var plain = model.parameters().First().grad!.clone();
        model.zero_grad();
        var attached = AttachedRegularizer.Attach(model, new VcReg(new VcRegOptions { Alpha = 5, Beta = 5 }), Placement.Blocks);
        model.call(input).sum().backward();
        Assert.True((model.parameters().First().grad! - plain).abs().max().item<double>() > 1e-9, "regularizer changed nothing");
        attached.Dispose();
        model.zero_grad();
        model.call(input).sum().backward();
        Assert.Equal(0.0, (model.parameters().First().grad! - plain).abs().max().item<double>(), 12);
    }
}

public class VideoModelPlacementTests
{
    [Theory]
    [InlineData(VcRegScaling.Paper)]
    [InlineData(VcRegScaling.Loss)]
    public void Vcreg_attaches_to_the_video_vit_head_and_blocks_with_exact_gradients(VcRegScaling scaling)
    {
        var config = VideoVCReg.Models.ModelPresets.Get("videomae-s") with { EmbedDim = 48, Depth = 2, NumHeads = 2, Frames = 4, ImageSize = 32, NumClasses = 5, DropPathRate = 0, HeadDropout = 0 };
        var input = randn([3, 3, 4, 32, 32], float64, generator: new Generator(8));
        var model = new VideoVCReg.Models.VisionTransformer(config).to(float64);
        model.train();
        var (fast, naive) = PlacementTests.FastAndNaiveGradients(model, input, new VcRegOptions { Alpha = 1.0, Beta = 0.3, Scaling = scaling }, Placement.Head | Placement.Blocks, 3);
        Assert.NotEmpty(naive);
        PlacementTests.AssertSameGradients(fast, naive);
    }
}

/// <summary>The head placement sees the representation itself, not the head dropout's output.</summary>
public class HeadPlacementTests
{
    sealed class Recorder : FeatureRegularizer
    {
        public Tensor? Seen;
        public override Tensor Apply(Tensor features)
        {
            Seen = features.detach().clone().DetachFromDisposeScope();
            return features;
        }
    }

    [Fact]
    public void Head_placement_regularizes_the_features_before_head_dropout()
    {
        // VideoMAEv2's fine-tuning head dropout (0.5); nothing else random, so the features are reproducible.
        var config = VideoVCReg.Tests.FineTune.TinyVideo.Config() with { HeadDropout = 0.5 };
        using var model = new VideoVCReg.Models.VisionTransformer(config);
        model.train();
        var x = randn([4, 3, 4, 32, 32], generator: new Generator(3));
        var recorder = new Recorder();
        using var attached = AttachedRegularizer.Attach(model, recorder, Placement.Head);
        using var logits = model.call(x);
        using var features = model.ForwardFeatures(x);
        Assert.NotNull(recorder.Seen);
        Assert.Equal(features.shape, recorder.Seen!.shape);
        Assert.True(recorder.Seen.allclose(features, rtol: 0, atol: 1e-6), "the head site saw something other than the pooled features");
        // The dropout was active: the logits are not the head applied to the undropped features.
        using var undropped = model.Head.call(features);
        Assert.False(logits.allclose(undropped, rtol: 1e-4, atol: 1e-5), "head dropout did not act, so the test proves nothing");
    }
}
