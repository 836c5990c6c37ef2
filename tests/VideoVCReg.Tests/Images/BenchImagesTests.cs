using System.Text.Json;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Images;

/// <summary>
/// `bench images` on a few files: both sides are warmed up by whole epochs covering --warmup-images, then time the same
/// number of images; the ratio is ours over torchvision's. No speed is asserted (a benchmark, not a timed test).
/// </summary>
public class BenchImagesTests
{
    [Fact]
    public void Bench_images_warms_both_sides_up_by_whole_epochs_and_times_the_same_images()
    {
        var r = CliProcess.Run("bench", "images", "--json", "--images", "8", "--batch", "4", "--workers", "1", "--epochs", "2", "--warmup-images", "17", "--threads", "1");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout.Trim().Split('\n')[^1]);
        var o = doc.RootElement;
        Assert.Equal(3, o.GetProperty("warmup_epochs").GetInt32());        // ⌈17 / 8⌉ epochs of 8 images
        Assert.Equal(16, o.GetProperty("timed_images").GetInt32());
        Assert.Equal(16, o.GetProperty("torchvision_timed_images").GetInt32());
        double ours = o.GetProperty("ours_images_per_s").GetDouble(), theirs = o.GetProperty("torchvision_images_per_s").GetDouble();
        Assert.True(ours > 0 && theirs > 0);
        Assert.Equal(ours / theirs, o.GetProperty("ratio").GetDouble(), 12);

        var bad = CliProcess.Run("bench", "images", "--warmup-images", "-1");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("--warmup-images ≥ 0", bad.Stderr);
    }
}
