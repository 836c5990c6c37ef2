using VideoVCReg.FineTune;

namespace VideoVCReg.Tests.FineTune;

public class ParameterGroupsTests
{
    [Fact]
    public void Video_vit_gets_videomae_layer_decay_and_no_decay_for_biases_norms_and_tables()
    {
        using var model = TinyVideo.Model();                      // depth 2: layers 0 (embedding), 1, 2 (blocks), 3 (head)
        const double decay = 0.5, wd = 0.05;
        var groups = ParameterGroups.For(model, wd, decay);
        var named = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        (double Scale, double Wd) Of(string name)
        {
            var g = groups.Single(g => g.Parameters.Any(p => p.Handle == named[name].Handle));
            return (g.LrScale, g.WeightDecay);
        }
        Assert.Equal((0.125, wd), Of("patch_embed.proj.weight"));
        Assert.Equal((0.125, 0.0), Of("patch_embed.proj.bias"));
        Assert.Equal((0.25, wd), Of("blocks.0.attn.qkv.weight"));
        Assert.Equal((0.25, 0.0), Of("blocks.0.norm1.weight"));
        Assert.Equal((0.5, wd), Of("blocks.1.mlp.fc1.weight"));
        Assert.Equal((1.0, wd), Of("head.weight"));
        Assert.Equal((1.0, 0.0), Of("fc_norm.bias"));
        Assert.Equal(named.Count, groups.Sum(g => g.Parameters.Count));    // every parameter exactly once
    }

    [Fact]
    public void Image_vit_layers_decay_by_their_torchvision_names()
    {
        using var model = new VideoVCReg.Models.Image.VitImage(32, 16, 16, depth: 3, heads: 2, mlpDim: 24, numClasses: 4);   // layers 0, 1..3, 4
        const double decay = 0.5;
        var groups = ParameterGroups.For(model, 0.05, decay);
        var named = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        double Scale(string name) => groups.Single(g => g.Parameters.Any(p => p.Handle == named[name].Handle)).LrScale;
        Assert.Equal(Math.Pow(decay, 4), Scale("conv_proj.weight"));
        Assert.Equal(Math.Pow(decay, 4), Scale("encoder.pos_embedding"));
        Assert.Equal(Math.Pow(decay, 3), Scale("encoder.layers.encoder_layer_0.mlp.0.weight"));
        Assert.Equal(Math.Pow(decay, 1), Scale("encoder.layers.encoder_layer_2.ln_1.weight"));
        Assert.Equal(1.0, Scale("encoder.ln.weight"));
        Assert.Equal(1.0, Scale("heads.head.weight"));
        Assert.Equal(named.Count, groups.Sum(g => g.Parameters.Count));
    }

    [Fact]
    public void A_network_with_one_decay_layer_gets_the_full_rate_everywhere()
    {
        using var model = new VideoVCReg.Models.Image.ResNet(bottleneck: false, [1, 1, 1, 1], numClasses: 3);
        var groups = ParameterGroups.For(model, 0.05, 0.5);
        Assert.All(groups, g => Assert.Equal(1.0, g.LrScale));
        Assert.Equal(2, groups.Count);                                   // decay and no-decay
    }
}
