using static TorchSharp.torch;

namespace VideoVCReg.Decoding.Transforms;

/// <summary>
/// torchvision's RandomResizedCrop, one window for the whole clip: an area share in <see cref="Scale"/> and an
/// aspect ratio log-uniform in <see cref="Ratio"/>, ten tries, then the centred crop at the nearest allowed ratio.
/// </summary>
public sealed record RandomResizedCrop(int Size, (double Min, double Max) Scale, (double Min, double Max) Ratio)
{
    public static RandomResizedCrop VideoMae(int size) => new(size, (0.08, 1.0), (3.0 / 4.0, 4.0 / 3.0));

    public (long Top, long Left, long Height, long Width) Window(long height, long width, Random rng)
    {
        double area = height * width;
        double logLo = Math.Log(Ratio.Min), logHi = Math.Log(Ratio.Max);
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double target = area * (Scale.Min + rng.NextDouble() * (Scale.Max - Scale.Min));
            double aspect = Math.Exp(logLo + rng.NextDouble() * (logHi - logLo));
            long w = (long)Math.Round(Math.Sqrt(target * aspect)), h = (long)Math.Round(Math.Sqrt(target / aspect));
            if (w > 0 && h > 0 && w <= width && h <= height)
                return (rng.NextInt64(0, height - h + 1), rng.NextInt64(0, width - w + 1), h, w);
        }
        double inRatio = (double)width / height;
        long cw = width, ch = height;
        if (inRatio < Ratio.Min) ch = (long)Math.Round(cw / Ratio.Min);
        else if (inRatio > Ratio.Max) cw = (long)Math.Round(ch * Ratio.Max);
        return ((height - ch) / 2, (width - cw) / 2, ch, cw);
    }

    public Tensor Apply(Tensor clip, Random rng)
    {
        var (top, left, h, w) = Window(clip.shape[2], clip.shape[3], rng);
        using var window = clip.narrow(2, top, h).narrow(3, left, w);
        return Resize.To(window, Size, Size);
    }
}
