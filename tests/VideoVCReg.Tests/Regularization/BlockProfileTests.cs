using TorchSharp;
using VideoVCReg.Cli.Bench;
using VideoVCReg.Models.Image;
using VideoVCReg.Models.Regularization;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Regularization;

/// <summary>
/// `bench vcreg --profile`'s breakdown is made of timestamps taken in hooks and in the backward; these checks do not time
/// anything against anything, they check that the timestamps come in the order the breakdown assumes (a hook run out of
/// order gives a negative interval: the first version of the profile, with separate hooks added and removed every step,
/// saw TorchSharp run them out of registration order), that the intervals fit inside the step they split, and that the op-by-op record of
/// the fast backward covers exactly the sample shapes of the network's channels-last sites.
/// </summary>
public class BlockProfileTests
{
    [Fact]
    public void Every_site_splits_into_ordered_intervals_inside_the_step_and_the_fast_ops_cover_each_shape()
    {
        manual_seed(1);
        using var model = ConvNeXt.Atto(10);
        model.train();
        var sites = model.BlockModules;
        using var input = randn(2, 3, 64, 64);
        var regs = VcRegBench.Regularizers(new VcRegOptions(), CPU);
        var result = BlockProfile.Run(model, sites, regs, input, CPU, rounds: 1, default);
        Assert.Null(VcRegFunction.OpProbe);

        Assert.Equal(regs.Keys.Order(), result.Sites.Keys.Order());
        foreach (var (variant, list) in result.Sites)
        {
            Assert.Equal(sites.Count, list.Count);
            foreach (var s in list)
            {
                Assert.True(s.BlockForward > 0 && s.BlockBackward > 0, $"{variant} {s.Name}: the block took no time");
                Assert.True(s.LayerForward >= 0 && s.LayerBackward >= 0, $"{variant} {s.Name}: layer {s.LayerForward}, {s.LayerBackward} s (marks out of order)");
                Assert.True(s.ChannelsLast, $"{s.Name}: ConvNeXt's block outputs are channels-last views");
            }
            // One measured round: the intervals are disjoint parts of that very step.
            double parts = list.Sum(s => s.BlockForward + s.LayerForward + s.LayerBackward + s.BlockBackward);
            Assert.True(parts <= result.StepSeconds[variant], $"{variant}: sites {parts} s in a step of {result.StepSeconds[variant]} s");
        }

        // Samples of each site: n = B·H·W positions of d = C channels.
        var shapes = result.Sites["fast"].Select(s => (N: s.Shape[0] * s.Shape[2] * s.Shape[3], D: s.Shape[1])).Distinct().ToList();
        Assert.Equal(shapes.Select(s => $"{s.N}×{s.D}").Order(), result.FastOps.Keys.Order());
        foreach (var (n, d) in shapes)
        {
            var ops = result.FastOps[$"{n}×{d}"].Select(o => o.Key).ToList();
            Assert.Contains(n < d ? "Gram: n×n GEMM" : "covariance GEMM", ops);
            Assert.Contains(n < d ? "Gram: product GEMM" : "product GEMM", ops);
            Assert.All(result.FastOps[$"{n}×{d}"], o => Assert.True(o.Value >= 0, $"{n}×{d} {o.Key}: {o.Value} s"));
        }
    }
}
