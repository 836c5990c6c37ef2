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
}
