using static TorchSharp.torch;

namespace VideoVCReg.Decoding.Transforms;

/// <summary>
/// timm's RandomErasing in 'pixel' mode (count 1) on a normalised clip: with probability <see cref="Probability"/>
/// a rectangle of 2–33 % of the area, aspect log-uniform in [0.3, 3.3], is replaced by N(0, 1) noise.
/// VideoMAE hands the [T, C, H, W] clip to it as a batch, so each frame gets its own draw; we keep that.
/// </summary>
/// <param name="ZeroFill">torchvision's RandomErasing (value 0, the image recipes' --random-erase) instead of timm's noise.</param>
public sealed record RandomErasing(double Probability = 0.25, double MinArea = 0.02, double MaxArea = 1.0 / 3, double MinAspect = 0.3, bool ZeroFill = false)
{
    /// <summary>Erases in place; the noise comes from <paramref name="noise"/>, the geometry from <paramref name="rng"/>.</summary>
    public void ApplyInPlace(Tensor clip, Random rng, Generator noise)
    {
        long c = clip.shape[0], t = clip.shape[1], h = clip.shape[2], w = clip.shape[3];
        double logLo = Math.Log(MinAspect), logHi = Math.Log(1 / MinAspect);
        for (long f = 0; f < t; f++)
        {
            if (rng.NextDouble() > Probability) continue;
            for (int attempt = 0; attempt < 10; attempt++)
            {
                double area = h * w * (MinArea + rng.NextDouble() * (MaxArea - MinArea));
                double aspect = Math.Exp(logLo + rng.NextDouble() * (logHi - logLo));
                long eh = (long)Math.Round(Math.Sqrt(area * aspect)), ew = (long)Math.Round(Math.Sqrt(area / aspect));
                if (ew >= w || eh >= h) continue;
                long top = rng.NextInt64(0, h - eh + 1), left = rng.NextInt64(0, w - ew + 1);
                using var patch = ZeroFill ? zeros([c, eh, ew], dtype: clip.dtype) : randn([c, eh, ew], dtype: clip.dtype, generator: noise);
                using var frame = clip.select(1, f);
                using var region = frame.narrow(1, top, eh).narrow(2, left, ew);
                region.copy_(patch);
                break;
            }
        }
    }
}
