using static TorchSharp.torch;

namespace VideoVCReg.Decoding.Transforms;

/// <summary>
/// PIL's ImageOps / ImageEnhance operations as batched tensor ops on frames <c>[T, C, H, W]</c> in [0, 1],
/// one set of arguments for every frame. Statistics (autocontrast range, histogram, mean grey) are per
/// frame, as PIL computes them per image. Results are rounded to 1/255 steps, as PIL's 8-bit images are.
/// </summary>
static class FrameOps
{
    static Tensor Quantise(Tensor x) => x.mul(255).round_().clamp_(0, 255).div_(255);

    public static Tensor Invert(Tensor x) => x.neg().add_(1);

    public static Tensor AutoContrast(Tensor x)
    {
        using var lo = x.amin([2, 3], keepdim: true);
        using var hi = x.amax([2, 3], keepdim: true);
        using var span = hi - lo;
        using var flat = span.le(0);
        using var scaled = (x - lo).div_(span.clamp_min(1e-12));
        using var stretched = Quantise(scaled);
        return where(flat, x, stretched);
    }

    /// <summary>PIL's equalize: lut[i] = (step / 2 + Σ_{j&lt;i} h[j]) / step with step = (N − h[last non-zero]) / 255 (integer division).</summary>
    public static Tensor Equalize(Tensor x)
    {
        long t = x.shape[0], c = x.shape[1];
        using var scope = NewDisposeScope();
        var levels = x.mul(255).round_().clamp_(0, 255).to(ScalarType.Int64).reshape(t * c, -1);
        var hist = zeros([t * c, 256], ScalarType.Float64).scatter_add_(1, levels, ones(levels.shape, ScalarType.Float64));
        var present = hist.gt(0);
        var lastLevel = (arange(256, ScalarType.Int64).unsqueeze(0) * present.to(ScalarType.Int64)).amax([1], keepdim: true);
        var step = (hist.sum([1], keepdim: true) - hist.gather(1, lastLevel)).div_(255).floor_();
        var before = hist.cumsum(1) - hist;
        var lut = (step.div(2).floor_() + before).div_(step.clamp_min(1)).floor_().clamp_(0, 255);
        var identity = arange(256, ScalarType.Float64).unsqueeze(0).expand_as(lut);
        lut = where(step.le(0), identity, lut);
        var mapped = lut.gather(1, levels).reshape(x.shape).to(x.dtype).div_(255);
        return mapped.MoveToOuterDisposeScope();
    }

    public static Tensor Posterize(Tensor x, int bits)
    {
        if (bits >= 8) return x.alias();
        int q = 1 << (8 - bits);
        return x.mul(255).round_().div_(q).floor_().mul_(q).div_(255);
    }

    public static Tensor Solarize(Tensor x, int threshold)
    {
        using var levels = x.mul(255).round_();
        using var above = levels.ge(threshold);
        using var inverted = Invert(x);
        return where(above, inverted, x);
    }

    public static Tensor SolarizeAdd(Tensor x, int add, int threshold = 128)
    {
        using var levels = x.mul(255).round_();
        using var below = levels.lt(threshold);
        using var raised = levels.add(add).clamp_(0, 255).div_(255);
        return where(below, raised, x);
    }

    /// <summary>
    /// ITU-R 601-2 luma as PIL's convert("L") computes it, in 16-bit fixed point: (19595 R + 38470 G + 7471 B + 2^15) >> 16 on
    /// the levels (exact in float32: the sum stays below 2^24). <c>(T, 1, H, W)</c>.
    /// </summary>
    static Tensor Grey(Tensor x)
    {
        using var w = tensor(new[] { 19595f, 38470f, 7471f }, dtype: x.dtype).view(1, 3, 1, 1);
        using var levels = x.mul(255).round_();
        var l = (levels * w).sum([1], keepdim: true);
        return l.add_(32768).div_(65536).floor_().div_(255);
    }

    /// <summary>PIL's ImageEnhance: degenerate + factor · (image − degenerate), clipped to [0, 1].</summary>
    static Tensor Blend(Tensor x, Tensor degenerate, double factor)
    {
        using var d = x - degenerate;
        using var blended = degenerate + d.mul_(factor);
        return Quantise(blended);
    }

    public static Tensor Color(Tensor x, double factor) { using var g = Grey(x); return Blend(x, g, factor); }

    public static Tensor Contrast(Tensor x, double factor)
    {
        using var g = Grey(x);
        using var mean = g.mean([1, 2, 3], keepdim: true).mul_(255).add_(0.5).floor_().div_(255); // int(mean + 0.5)
        return Blend(x, mean, factor);
    }

    public static Tensor Brightness(Tensor x, double factor) { using var black = zeros_like(x); return Blend(x, black, factor); }

    /// <summary>Blend with PIL's SMOOTH filter ([1 1 1; 1 5 1; 1 1 1] / 13); the one-pixel border keeps its values, as torchvision does.</summary>
    public static Tensor Sharpness(Tensor x, double factor)
    {
        long ch = x.shape[1];
        using var k = tensor(new[] { 1f, 1, 1, 1, 5, 1, 1, 1, 1 }, dtype: x.dtype).div_(13).view(1, 1, 3, 3).expand(ch, 1, 3, 3).contiguous();
        using var smooth = nn.functional.conv2d(x, k, groups: ch);
        using var smoothQ = Quantise(smooth);
        using var degenerate = x.clone();
        degenerate.narrow(2, 1, x.shape[2] - 2).narrow(3, 1, x.shape[3] - 2).copy_(smoothQ);
        return Blend(x, degenerate, factor);
    }

    /// <summary>
    /// PIL's Image.transform(AFFINE): each output pixel (x, y) samples the input at (a·x + b·y + c, d·x + e·y + f),
    /// in pixel units; outside is <paramref name="fill"/>. Done with affine_grid/grid_sample in normalised coordinates.
    /// </summary>
    public static Tensor Affine(Tensor x, double a, double b, double c, double d, double e, double f, float[] fill)
    {
        long t = x.shape[0], h = x.shape[2], w = x.shape[3];
        double rw = (double)h / w, rh = (double)w / h;
        var theta = new[]
        {
            (float)a, (float)(b * rw), (float)(a + b * rw + 2 * c / w - 1),
            (float)(d * rh), (float)e, (float)(d * rh + e + 2 * f / h - 1),
        };
        using var scope = NewDisposeScope();
        var th = tensor(theta, dtype: x.dtype).view(1, 2, 3).expand(t, 2, 3);
        var grid = nn.functional.affine_grid(th, [t, x.shape[1], h, w], align_corners: false);
        // Zero padding around (x − fill), then + fill: outside pixels become exactly the fill colour.
        var fillT = tensor(fill, dtype: x.dtype).view(1, -1, 1, 1);
        var sampled = nn.functional.grid_sample(x - fillT, grid, mode: GridSampleMode.Bilinear, padding_mode: GridSamplePaddingMode.Zeros, align_corners: false);
        return Quantise(sampled.add_(fillT)).MoveToOuterDisposeScope();
    }

    /// <summary>PIL's Image.rotate(degrees): counter-clockwise about the centre.</summary>
    public static Tensor Rotate(Tensor x, double degrees, float[] fill)
    {
        double r = -degrees * Math.PI / 180, cx = x.shape[3] / 2.0, cy = x.shape[2] / 2.0;
        double a = Math.Cos(r), b = Math.Sin(r), d = -Math.Sin(r), e = Math.Cos(r);
        return Affine(x, a, b, cx - a * cx - b * cy, d, e, cy - d * cx - e * cy, fill);
    }
}
