using VideoVCReg.Decoding.Transforms;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Decoding;

public class TransformTests
{
    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    /// <summary>A clip whose value at (c, t, y, x) encodes its coordinates: crops can be read back.</summary>
    static Tensor Coordinates(long t, long h, long w)
    {
        var y = arange(h, ScalarType.Float32).view(1, 1, h, 1) * 1000;
        var x = arange(w, ScalarType.Float32).view(1, 1, 1, w);
        return (y + x).expand(3, t, h, w).contiguous();
    }

    [Fact]
    public void Centre_crop_takes_the_middle_window()
    {
        using var clip = Coordinates(2, 240, 320);
        using var c = Crop.Centre(clip, 224);
        Assert.Equal(new long[] { 3, 2, 224, 224 }, c.shape);
        Assert.Equal((240 - 224) / 2 * 1000 + (320 - 224) / 2, c[0, 0, 0, 0].item<float>());
        Assert.Equal((240 - 224) / 2 * 1000 + (320 - 224) / 2 + 223 * 1001, c[2, 1, 223, 223].item<float>());
    }

    [Fact]
    public void Three_crop_takes_start_middle_and_end_of_the_longer_side()
    {
        using var wide = Coordinates(1, 224, 398);
        var crops = Crop.Three(wide, 224);
        Assert.Equal(new[] { 0f, (398 - 224) / 2, 398 - 224 }, crops.Select(c => c[0, 0, 0, 0].item<float>()));
        Assert.All(crops, c => Assert.Equal(new long[] { 3, 1, 224, 224 }, c.shape));
        using var tall = Coordinates(1, 300, 224);
        Assert.Equal(new[] { 0f, 38000, 76000 }, Crop.Three(tall, 224).Select(c => c[0, 0, 0, 0].item<float>()));
    }

    [Fact]
    public void Flip_equals_the_reversed_width_axis()
    {
        using var clip = rand(3, 4, 10, 13);
        using var flipped = Flip.Horizontal(clip);
        using var reversed = clip.index_select(3, arange(12, -1, -1, ScalarType.Int64));
        Assert.True(Same(flipped, reversed));
        Assert.False(Same(flipped, clip));
    }

    [Fact]
    public void Normalisation_uses_imagenet_or_minus_one_to_one_statistics()
    {
        using var clip = full(3, 2, 4, 4, 0.5f);
        using var imagenet = Normalization.ImageNet.Apply(clip);
        Assert.Equal((0.5 - 0.485) / 0.229, imagenet[0, 0, 0, 0].item<float>(), 5);
        Assert.Equal((0.5 - 0.456) / 0.224, imagenet[1, 1, 3, 3].item<float>(), 5);
        Assert.Equal((0.5 - 0.406) / 0.225, imagenet[2, 0, 2, 1].item<float>(), 5);
        using var ends = stack([zeros(1, 2, 2), ones(1, 2, 2), full(1, 2, 2, 0.25f)]).expand(3, 3, 2, 2);
        using var vivit = Normalization.Inception.Apply(ends.permute(1, 0, 2, 3));
        Assert.Equal(-1f, vivit[0, 0, 0, 0].item<float>());
        Assert.Equal(1f, vivit[1, 1, 0, 0].item<float>());
        Assert.Equal(-0.5f, vivit[2, 2, 1, 1].item<float>());
    }

    [Fact]
    public void Gaussian_noise_reproduces_per_video_view_and_seed_with_the_asked_std()
    {
        using var clip = rand(3, 16, 64, 64);
        using var a = GaussianNoise.Add(clip, 0.3, 7, "cls/v1.avi", 2);
        using var b = GaussianNoise.Add(clip, 0.3, 7, "cls/v1.avi", 2);
        using var otherView = GaussianNoise.Add(clip, 0.3, 7, "cls/v1.avi", 3);
        using var otherVideo = GaussianNoise.Add(clip, 0.3, 7, "cls/v2.avi", 2);
        using var otherSeed = GaussianNoise.Add(clip, 0.3, 8, "cls/v1.avi", 2);
        Assert.True(Same(a, b));
        Assert.False(Same(a, otherView));
        Assert.False(Same(a, otherVideo));
        Assert.False(Same(a, otherSeed));   // --seed must reach the noise
        using var noise = a - clip;
        // 196,608 samples: the std estimate is within 0.5 % of sigma far beyond 5 standard errors.
        Assert.InRange(noise.std().item<float>(), 0.3 * 0.99, 0.3 * 1.01);
        Assert.InRange(noise.mean().item<float>(), -0.005, 0.005);
    }

    [Fact]
    public void Test_noise_is_added_to_the_normalised_clip_at_the_full_sigma()
    {
        // ImageNet statistics: noise added before normalising would arrive divided by std (≈ 0.22–0.23).
        var options = new VideoVCReg.Decoding.Loading.ViewOptions { ClipLength = 4, CropSize = 32, TestClips = 1, TestCrops = 1, NoiseSigma = 1.5 };
        var pipeline = new VideoVCReg.Decoding.Loading.ViewPipeline(options, VideoVCReg.Decoding.Loading.ViewMode.Test);
        var clean = new VideoVCReg.Decoding.Loading.ViewPipeline(options with { NoiseSigma = 0 }, VideoVCReg.Decoding.Loading.ViewMode.Test);
        using var clip = rand(3, 4, 32, 32);
        var item = new VideoVCReg.Decoding.Datasets.MediaItem("x.avi", 0, "cls/x.avi");
        using var noisy = pipeline.Finish(clip, item, 0, new Random(1), seed: 5);
        using var plain = clean.Finish(clip, item, 0, new Random(1), seed: 5);
        using var zeros = zeros_like(plain);
        using var expected = GaussianNoise.Add(zeros, 1.5, 5, "cls/x.avi", 0);
        Assert.True((noisy - plain - expected).abs().max().item<float>() < 1e-5);
    }

    /// <summary>Replays given draws: NextDouble from one list, NextInt64(lo, hi) as lo + ⌊v·(hi − lo)⌋ from another.</summary>
    sealed class ScriptedRandom(double[] uniforms, double[] ints) : Random
    {
        int u, v;
        public override double NextDouble() => uniforms[u++];
        public override long NextInt64(long minValue, long maxValue) => minValue + (long)Math.Floor(ints[v++] * (maxValue - minValue));
    }

    [Fact]
    public void Random_resized_crop_picks_torchvisions_window_for_the_same_draws()
    {
        // Sizes with room (HMDB51 frames, VideoMAE's 256 short side) and one so wide that the ten tries fail and the
        // centred fallback decides; scale draws pushed towards 1 in every fifth case to reach it.
        (int H, int W)[] sizes = [(240, 320), (256, 341), (60, 400), (400, 90)];
        var rng = new Random(17);
        var cases = Enumerable.Range(0, 400).Select(i =>
        {
            var (h, w) = sizes[i % sizes.Length];
            double lo = i % 5 == 0 ? 0.9 : 0;
            // Multiples of 2^-20 are exact in float32 as in double: both sides start from the same numbers.
            double U(double min) => Math.Round((min + rng.NextDouble() * (1 - min)) * (1 << 20)) / (1 << 20);
            var uniforms = Enumerable.Range(0, 20).Select(k => U(k % 2 == 0 ? lo : 0)).Select(x => Math.Min(x, 1 - 1.0 / (1 << 20))).ToArray();
            var ints = Enumerable.Range(0, 2).Select(_ => U(0) * 0.999).ToArray();
            return (h, w, uniforms, ints);
        }).ToList();
        var json = Path.Combine(Path.GetTempPath(), $"rrc-cases-{Guid.NewGuid():N}.json");
        File.WriteAllText(json, System.Text.Json.JsonSerializer.Serialize(cases.Select(c => new
        {
            height = c.h, width = c.w, scale = new[] { 0.08, 1.0 }, ratio = new[] { 3.0 / 4, 4.0 / 3 }, uniforms = c.uniforms, ints = c.ints,
        })));
        try
        {
            var script = Path.Combine(AppContext.BaseDirectory, "fixtures", "transforms", "rrc_get_params.py");
            var reference = System.Text.Json.JsonSerializer.Deserialize<long[][]>(VideoVCReg.Tests.Support.PythonScript.Run(script, json))!;
            var rrc = RandomResizedCrop.VideoMae(112);
            int fallbacks = 0;
            for (int i = 0; i < cases.Count; i++)
            {
                var (top, left, h, w) = rrc.Window(cases[i].h, cases[i].w, new ScriptedRandom(cases[i].uniforms, cases[i].ints));
                var r = reference[i];
                if (h == cases[i].h || w == cases[i].w) fallbacks++;
                // torchvision draws in float32, we in double: a size may round the other way at an exact .5, no more.
                Assert.True(Math.Abs(top - r[0]) <= 1 && Math.Abs(left - r[1]) <= 1 && Math.Abs(h - r[2]) <= 1 && Math.Abs(w - r[3]) <= 1,
                    $"case {i} ({cases[i].h}×{cases[i].w}): ours ({top}, {left}, {h}, {w}), torchvision ({string.Join(", ", r)})");
            }
            Assert.True(fallbacks > 0, "no case reached the centred fallback");
        }
        finally { File.Delete(json); }
    }

    [Fact]
    public void Random_resized_crop_windows_stay_in_scale_and_ratio_bounds()
    {
        var rrc = RandomResizedCrop.VideoMae(112);
        var rng = new Random(3);
        for (int i = 0; i < 500; i++)
        {
            var (top, left, h, w) = rrc.Window(240, 320, rng);
            Assert.True(top >= 0 && left >= 0 && top + h <= 240 && left + w <= 320);
            double share = (double)h * w / (240 * 320), ratio = (double)w / h;
            Assert.InRange(share, 0.08 * 0.9, 1.0);   // rounding of w and h to pixels
            Assert.InRange(ratio, 0.75 * 0.95, 4.0 / 3 * 1.05);
        }
        using var clip = rand(3, 4, 240, 320);
        using var out1 = rrc.Apply(clip, new Random(5));
        using var out2 = rrc.Apply(clip, new Random(5));
        Assert.Equal(new long[] { 3, 4, 112, 112 }, out1.shape);
        Assert.True(Same(out1, out2));
    }

    [Fact]
    public void RandAugment_parses_the_videomae_spec_and_applies_one_transform_to_every_frame()
    {
        var ra = RandAugment.Parse(RandAugment.VideoMaeSpec);
        Assert.Equal(new RandAugment(4, 7, 0.5, 0.5), ra);
        Assert.Throws<NotSupportedException>(() => RandAugment.Parse("rand-m9-n2"));
        using var frame = rand(3, 1, 48, 64);
        using var clip = frame.expand(3, 8, 48, 64).contiguous();
        int changed = 0;
        for (int seed = 0; seed < 12; seed++)
        {
            using var x = ra.Apply(clip, new Random(seed));
            using var again = ra.Apply(clip, new Random(seed));
            Assert.True(Same(x, again));
            using var first = x.narrow(1, 0, 1);
            Assert.True(Same(x, first.expand_as(x)), $"seed {seed}: frames differ after RandAugment");
            if (!x.allclose(clip, 1e-3, 1e-3)) changed++;
        }
        Assert.True(changed >= 8, $"only {changed} of 12 draws changed the clip");
    }

    [Fact]
    public void RandAugment_ops_match_pil_semantics_on_known_inputs()
    {
        // Rotate by 90° counter-clockwise on a square frame is a pure pixel permutation.
        using var sq = rand(1, 3, 16, 16).mul(255).round().div(255);
        using var rot = FrameOps.Rotate(sq, 90, [0f, 0f, 0f]);
        using var expect = sq.rot90(1, (2, 3));
        Assert.True((rot - expect).abs().max().item<float>() < 1e-5);
        // Equalize spreads two equally common levels to the ends of the range (PIL: step = (1024 - 512) / 255 = 2).
        using var two = cat([full(1, 3, 32, 16, 50 / 255f), full(1, 3, 32, 16, 100 / 255f)], 3);
        using var eq = FrameOps.Equalize(two);
        Assert.Equal(0f, eq[0, 0, 0, 0].item<float>());
        Assert.Equal(1f, eq[0, 0, 0, 31].item<float>(), 5);
        using var few = FrameOps.Equalize(two.narrow(2, 0, 8));   // 256 pixels: step 0, PIL leaves the image as it is
        Assert.True(Same(few, two.narrow(2, 0, 8)));
        // Solarize inverts levels at or above the threshold only.
        using var levels = tensor(new[] { 100 / 255f, 128 / 255f, 200 / 255f }).view(1, 1, 1, 3);
        using var sol = FrameOps.Solarize(levels, 128);
        Assert.Equal(new[] { 100f, 127, 55 }, sol.mul(255).round().data<float>().ToArray());
        using var post = FrameOps.Posterize(levels, 2);
        Assert.Equal(new[] { 64f, 128, 192 }, post.mul(255).round().data<float>().ToArray());
    }

    [Fact]
    public void Random_erasing_replaces_a_bounded_rectangle_per_frame()
    {
        using var clip = zeros(3, 6, 40, 50);
        new RandomErasing(Probability: 1).ApplyInPlace(clip, new Random(4), new Generator(9));
        for (int t = 0; t < 6; t++)
        {
            using var changed = clip.select(1, t).ne(0).any(0);
            double share = changed.sum().item<long>() / (40.0 * 50);
            Assert.InRange(share, 0.015, 0.36);
        }
    }
}
