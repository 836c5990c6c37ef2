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
        Assert.True(Same(a, b));
        Assert.False(Same(a, otherView));
        Assert.False(Same(a, otherVideo));
        using var noise = a - clip;
        // 196,608 samples: the std estimate is within 0.5 % of sigma far beyond 5 standard errors.
        Assert.InRange(noise.std().item<float>(), 0.3 * 0.99, 0.3 * 1.01);
        Assert.InRange(noise.mean().item<float>(), -0.005, 0.005);
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
