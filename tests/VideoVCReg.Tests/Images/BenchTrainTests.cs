using System.Text.Json;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Images;

/// <summary>`bench train`: both sides ran the same network with VCReg at the same sites, and the step's arithmetic is counted right.</summary>
public class BenchTrainTests
{
    /// <summary>ResNet-32's convolutions and classifier at s × s, counted by hand from its layout (He et al. §4.2), ×2 per multiply-add.</summary>
    static double ResNet32ForwardFlop(int s, int batch)
    {
        double Conv(int cout, int side, int cin, int k) => 2.0 * cout * side * side * cin * k * k;
        double f = Conv(16, s, 3, 3)                                        // stem
            + 10 * Conv(16, s, 16, 3)                                       // stage 1: 5 blocks × 2 convolutions
            + Conv(32, s / 2, 16, 3) + 9 * Conv(32, s / 2, 32, 3)           // stage 2: the strided one, then nine
            + Conv(64, s / 4, 32, 3) + 9 * Conv(64, s / 4, 64, 3)           // stage 3
            + 2.0 * 10 * 64;                                                // classifier
        return f * batch;
    }

    [Fact]
    public void Resnet32_step_is_timed_on_both_sides_with_vcreg_at_every_block_and_its_flops_counted()
    {
        var r = CliProcess.Run("bench", "train", "--arch", "resnet32", "--size", "16", "--batch", "4", "--rounds", "1", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        var root = doc.RootElement;
        Assert.Equal(15, root.GetProperty("sites").GetInt32());
        Assert.Equal(15, root.GetProperty("pytorch_sites").GetInt32());
        Assert.Equal(3 * ResNet32ForwardFlop(16, 4) / 1e9, root.GetProperty("step_gflop").GetDouble(), 9);
        foreach (var side in new[] { "median_s", "pytorch_median_s" })
            foreach (var v in new[] { "identity", "fast" })
                Assert.True(root.GetProperty(side).GetProperty(v).GetDouble() > 0, $"{side}.{v}");
        // The ratios are the medians' own quotients, not numbers from elsewhere.
        double ours = root.GetProperty("median_s").GetProperty("fast").GetDouble(), theirs = root.GetProperty("pytorch_median_s").GetProperty("fast").GetDouble();
        Assert.Equal(theirs / ours, root.GetProperty("speed_ratio").GetProperty("fast").GetDouble(), 12);
    }

    [Theory]
    [InlineData("--batch", "100000000", "--batch must be in 2..4096 (got 100000000)")]
    [InlineData("--size", "0", "--size must be in 8..1024 (got 0)")]
    public void Absurd_sizes_get_one_line(string option, string value, string message)
    {
        var r = CliProcess.Run("bench", "train", "--arch", "resnet32", option, value, "--no-pytorch");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains(message, r.Stderr);
        Assert.Single(r.Stderr.Trim().Split('\n'));
    }
}
