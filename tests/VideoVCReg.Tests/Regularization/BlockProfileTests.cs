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
        var downsampling = BlockProfile.DownsamplingBetween(model, sites);
        Assert.Equal(model.DownsampleModules, downsampling);
        var result = BlockProfile.Run(model, sites, regs, input, CPU, rounds: 1, default, downsampling);
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
            // The forward's end splits the step: the sites' forward intervals lie before it, their backward ones after it; the
            // downsampling layers lie outside every site, and so do the loss/head and stem ends of the backward.
            var o = result.Outside[variant];
            Assert.True(o.Forward > 0 && o.Backward > 0, $"{variant}: outside the sites {o.Forward} s forward, {o.Backward} s backward");
            Assert.True(o.DownsamplingForward > 0 && o.DownsamplingForward < o.Forward, $"{variant}: downsampling {o.DownsamplingForward} s of {o.Forward} s forward outside");
            Assert.True(o.DownsamplingBackward > 0 && o.Head > 0 && o.Tail > 0 && o.DownsamplingBackward + o.Head + o.Tail < o.Backward,
                $"{variant}: downsampling {o.DownsamplingBackward} s, loss to last site {o.Head} s, after first site {o.Tail} s of {o.Backward} s backward outside");
            Assert.Equal(o.Forward - o.DownsamplingForward, o.RestForward, 12);   // one round: the median is that step's own
            Assert.Equal(o.Backward - o.DownsamplingBackward, o.RestBackward, 12);
        }

        // The table prints one outside-the-sites line per variant with that variant's own downsampling and rest times.
        var lines = BlockProfileTable.Lines("convnext_atto", 2, result).ToList();
        int header = lines.FindIndex(l => l.StartsWith("outside the sites"));
        Assert.True(header > 0, string.Join("\n", lines));
        foreach (var (variant, k) in regs.Keys.Select((v, k) => (v, k)))
        {
            var o = result.Outside[variant];
            string Ms(double seconds) => $"{seconds * 1000:F1}";
            Assert.StartsWith($"  {variant,-9} downsampling {Ms(o.DownsamplingForward),6} / {Ms(o.DownsamplingBackward),6} (Δ", lines[header + 1 + k]);
            Assert.Contains($"rest {Ms(o.RestForward),6} / {Ms(o.RestBackward),6} (Δ", lines[header + 1 + k]);
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

    [Fact]
    public void Downsampling_inside_a_site_is_not_timed_twice()
    {
        // ResNet's projection shortcuts belong to its first block of each stage: inside a site, so not timed apart.
        using var resnet = ResNet.R18(10);
        Assert.Equal(3, resnet.DownsampleModules.Count);
        Assert.Empty(BlockProfile.DownsamplingBetween(resnet, resnet.BlockModules));
    }

    [Fact]
    public void Paired_ratios_divide_within_each_round_before_the_median()
    {
        // Round 2 ran on a slowed machine: the ratio of medians (1.32 / 1.1 = 1.2) is what only one round saw (1.1, 1.1, 1.2).
        var times = new Dictionary<string, List<double>> { ["identity"] = [1.0, 2.0, 1.1], ["fast"] = [1.1, 2.2, 1.32] };
        var paired = VcRegBench.PairedRatios(times);
        Assert.Equal(1.0, paired["identity"], 12);
        Assert.Equal(1.1, paired["fast"], 12);
    }

    [Fact]
    public void Minor_faults_are_field_ten_of_proc_stat_even_when_the_command_name_holds_parentheses()
    {
        // pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt ...
        Assert.Equal(4242, BlockProfile.MinorFaultsOf("17 (a) b) R 1 17 17 0 -1 4194560 4242 0 7 0 12 3"));
        Assert.Equal(5, BlockProfile.MinorFaultsOf("1 (videovcreg) S 0 1 1 0 -1 0 5 6 7 8"));
    }
}
