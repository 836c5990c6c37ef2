using TorchSharp;
using VideoVCReg.Models.Checkpoints;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Models;

/// <summary>The regularizer attaches with forward hooks: on `blocks.N` and on `pre_logits` (the pooled features).</summary>
public class HookPointTests
{
    [Fact]
    public void Forward_hooks_see_block_outputs_and_can_replace_the_pooled_features()
    {
        using var scope = NewDisposeScope();
        using var model = PretrainedLoader.Load(ModelFixtures.Small(), ModelFixtures.File("videomae_official.pth")).Model;
        model.eval();
        var clip = ModelFixtures.Npy("clip_b2.npy");
        var seen = new List<long[]>();
        var h1 = model.Blocks[1].register_forward_hook((m, input, output) => { seen.Add(output.shape); return output; });
        var h2 = model.PreLogits.register_forward_hook((m, input, output) => torch.zeros_like(output));
        using var _ = no_grad();
        var logits = model.call(clip);
        Assert.Equal(new long[] { 2, 8, 32 }, Assert.Single(seen)); // (B, tokens, D); the fixture grid is 2x2x2 = 8 tokens
        // With the pooled features replaced by zeros, the head leaves only its bias.
        var bias = model.Head.named_parameters().Single(p => p.name == "bias").parameter;
        Assert.True(ModelFixtures.MaxAbsDiff(logits, bias.expand(2, -1)) == 0);
        h1.remove();
        h2.remove();
        Assert.True(model.call(clip).abs().sum().item<float>() != bias.expand(2, -1).abs().sum().item<float>());
    }
}
