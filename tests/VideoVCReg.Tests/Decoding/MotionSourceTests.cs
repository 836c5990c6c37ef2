using VideoVCReg.Decoding.Loading;
using VideoVCReg.Decoding.Synthetic;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Decoding;

/// <summary>The rendered pretraining source: sparse rendering, reproducible batches, classes apart from the dataset's.</summary>
public class MotionSourceTests
{
    static readonly ViewOptions Views = new()
    {
        ClipLength = 4, SamplingRate = 3, CropSize = 32, TrainShortSide = 37, RandAugment = null, HorizontalFlip = false, TestClips = 1, TestCrops = 1,
    };

    [Fact]
    public void Rendering_only_the_sampled_frames_gives_exactly_those_frames_of_the_whole_video()
    {
        var motion = MotionClass.For(3);
        var all = new MotionRenderer(motion, 96, 72, seed: 9).Frames(30).ToList();
        int[] wanted = [2, 3, 11, 29];
        var some = new MotionRenderer(motion, 96, 72, seed: 9).Frames(30, t => wanted.Contains(t)).ToList();
        Assert.Equal(wanted.Length, some.Count);
        for (int i = 0; i < wanted.Length; i++) Assert.Equal(all[wanted[i]], some[i]);
        Assert.NotEqual(all[2], all[3]);                                    // the frames do differ (the shapes move)
    }

    [Fact]
    public void Batches_repeat_for_the_same_seed_and_epoch_and_differ_otherwise()
    {
        var classes = MotionSource.Disjoint(16);
        float[] First(int seed, int epoch, int index = 0)
        {
            var source = new MotionSource(classes, new ViewPipeline(Views, ViewMode.Train), 4, 2, seed);
            var batch = source.Epoch(epoch).ElementAt(index);
            Assert.Equal(new long[] { 4, 3, 4, 32, 32 }, batch.Inputs.shape);
            Assert.All(batch.Labels.data<long>().ToArray(), l => Assert.InRange(l, 0, 15));
            return batch.Inputs.data<float>().ToArray();
        }
        Assert.Equal(First(1, 0), First(1, 0));
        Assert.NotEqual(First(1, 0), First(1, 1));
        Assert.NotEqual(First(1, 0), First(2, 0));
        Assert.NotEqual(First(1, 0), First(1, 0, index: 1));
    }

    [Fact]
    public void Source_classes_share_no_direction_with_the_synthetic_dataset()
    {
        var target = Enumerable.Range(0, 16).Select(MotionClass.For).ToList();
        var source = MotionSource.Disjoint(16);
        Assert.Equal(16, source.Select(m => m.Name).Distinct().Count());
        // Every source direction lies halfway between two target directions (22.5° from the nearest).
        foreach (var s in source)
            foreach (var t in target)
            {
                double gap = Math.Abs(Math.IEEERemainder(s.DirectionRadians - t.DirectionRadians, 2 * Math.PI));
                Assert.True(gap > 0.3, $"{s.Name} is {gap * 180 / Math.PI:F1}° from {t.Name}");
            }
    }

    [Fact]
    public void A_test_pipeline_renders_the_same_validation_clips_every_time()
    {
        var source = new MotionSource(MotionSource.Disjoint(4), new ViewPipeline(Views, ViewMode.Test), 3, 1, 7);
        var a = source.Epoch(0).Single();
        var b = source.Epoch(0).Single();
        Assert.Equal(a.Inputs.data<float>().ToArray(), b.Inputs.data<float>().ToArray());
        Assert.Equal(a.Labels.data<long>().ToArray(), b.Labels.data<long>().ToArray());
    }

    static IReadOnlyList<int> Base(MotionClass motion, int seed, double? jitter)
    {
        var r = new MotionRenderer(motion, 64, 48, seed, jitter);
        _ = r.Frames(1).First();
        return r.BaseColour;
    }

    static MotionClass Towards(double degrees) => new(0, degrees * Math.PI / 180, 1.5);

    static double Hue(IReadOnlyList<int> rgb)
    {
        double r = rgb[0], g = rgb[1], b = rgb[2];
        return (Math.Atan2(Math.Sqrt(3) * (g - b), 2 * r - g - b) * 180 / Math.PI + 360) % 360;
    }

    [Fact]
    public void Scene_colour_follows_the_direction_within_the_jitter_and_is_absent_by_default()
    {
        // Jitter 0: exactly the direction's hue at saturation 0.8, value 0.9, mapped into 60..179.
        Assert.Equal([167, 81, 81], Base(Towards(0), 1, 0));          // red
        Assert.Equal([81, 167, 81], Base(Towards(120), 1, 0));        // green
        Assert.Equal([81, 81, 167], Base(Towards(240), 1, 0));        // blue
        Assert.Equal([124, 167, 81], Base(Towards(90), 1, 0));        // yellow-green: 60 + 119 · (0.18 + 0.72 · 0.5)

        // Jitter 35: hues spread around the direction, never further than 35° (plus rounding) from it.
        var hues = Enumerable.Range(0, 60).Select(seed => Hue(Base(Towards(90), seed, 35))).ToList();
        Assert.All(hues, h => Assert.InRange(Math.Abs(Math.IEEERemainder(h - 90, 360)), 0, 36));
        Assert.True(hues.Max() - hues.Min() > 40, $"hues barely spread: {hues.Min():F0}..{hues.Max():F0}");

        // No cue: the base is drawn the same way whatever the class, so two classes' bases match seed for seed.
        Assert.Equal(Base(Towards(0), 3, null), Base(Towards(180), 3, null));
    }
}
