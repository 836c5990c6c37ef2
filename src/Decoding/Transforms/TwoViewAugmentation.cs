namespace VideoVCReg.Decoding.Transforms;

/// <summary>What one of the two views gets beyond the shared crop, flip and colour distortion.</summary>
/// <param name="Blur">Probability of a Gaussian blur (σ uniform in [0.1, 2.0] pixels).</param>
/// <param name="Solarize">Probability of PIL's solarize at threshold 128.</param>
public sealed record ViewExtras(double Blur, double Solarize);

/// <summary>
/// The two-view augmentations of the self-supervised objectives, on images <c>[C, H, W]</c> in [0, 1] (8-bit levels):
/// RandomResizedCrop(size, scale (MinScale, 1)) and a flip with probability ½; with probability <see cref="JitterP"/>
/// torchvision's ColorJitter (brightness, contrast and saturation factors uniform in [1 − s, 1 + s], hue in [−h, h],
/// the four in a random order); grayscale with probability <see cref="GrayP"/>; then each view's own blur and
/// solarization (<see cref="First"/>, <see cref="Second"/>), on 8-bit levels (<see cref="PixelOps"/>: brightness, contrast,
/// saturation, grayscale and solarize are PIL's, hue is torchvision's tensor path, the blur torchvision's gaussian_blur).
/// </summary>
public sealed record TwoViewAugmentation(string Name, double Brightness, double Contrast, double Saturation, double Hue, double JitterP, double GrayP,
    ViewExtras First, ViewExtras Second, double MinScale = 0.08)
{
    /// <summary>Images this small (CIFAR's 32 px) get no blur, as SimCLR's and VICReg's CIFAR settings.</summary>
    public const int SmallImage = 64;

    /// <summary>
    /// SimCLR (Chen et al. 2020, appendix A): colour distortion of strength 1 (0.8, 0.8, 0.8, 0.2) with p 0.8, grayscale 0.2,
    /// blur 0.5 on both views; for small images strength 0.5 and no blur (its CIFAR-10 setting, appendix B.9).
    /// </summary>
    public static TwoViewAugmentation SimClr(int size)
    {
        double s = size <= SmallImage ? 0.5 : 1.0, blur = size <= SmallImage ? 0 : 0.5;
        return new("simclr", 0.8 * s, 0.8 * s, 0.8 * s, 0.2 * s, 0.8, 0.2, new(blur, 0), new(blur, 0));
    }

    /// <summary>
    /// VICReg (Bardes et al. 2022, its augmentations.py): jitter (0.4, 0.4, 0.2, 0.1) with p 0.8, grayscale 0.2; blur 1.0 on the
    /// first view and 0.1 on the second, solarization 0 and 0.2; for small images no blur.
    /// </summary>
    public static TwoViewAugmentation VicReg(int size) =>
        new("vicreg", 0.4, 0.4, 0.2, 0.1, 0.8, 0.2, new(size <= SmallImage ? 0 : 1.0, 0), new(size <= SmallImage ? 0 : 0.1, 0.2));

    public static TwoViewAugmentation For(string objective, int size) => objective switch
    {
        "simclr" => SimClr(size),
        "vicreg" => VicReg(size),
        _ => throw new ArgumentException($"no two-view augmentation for objective '{objective}'"),
    };

    /// <summary>The blur kernel for an image of <paramref name="size"/>: about a tenth of it, odd (SimCLR's 23 at 224).</summary>
    public static int BlurKernel(int size) => Math.Max(3, (int)(size * 0.1) | 1);

    /// <summary>
    /// The two views of one image given as 8-bit levels <c>[3, H, W]</c>, each <c>[3, size, size]</c> levels (0–255): the crop
    /// resampled bilinearly (torch's interpolate), then <see cref="Colour"/>. Every draw from <paramref name="rng"/>.
    /// </summary>
    public (float[] First, float[] Second) Apply(float[] levels, int height, int width, int size, Random rng) =>
        (View(levels, height, width, size, First, rng), View(levels, height, width, size, Second, rng));

    /// <summary>The crop's window draw, shared by the array path and the decoded-file path (<c>ImageViews</c>).</summary>
    public RandomResizedCrop Crop(int size) => new(size, (MinScale, 1.0), (3.0 / 4.0, 4.0 / 3.0));

    float[] View(float[] levels, int height, int width, int size, ViewExtras extras, Random rng)
    {
        var (top, left, h, w) = Crop(size).Window(height, width, rng);
        var x = new PixelOps((float[])levels.Clone(), height, width);
        x.CropResize((int)top, (int)left, (int)h, (int)w, size);
        if (rng.NextDouble() < 0.5) x.FlipHorizontal();
        Colour(x, size, extras, rng);
        return x.Levels;
    }

    /// <summary>Everything after the crop and flip, in place on a view of <paramref name="size"/>²: jitter, grayscale, the view's blur and solarization.</summary>
    public void Colour(PixelOps x, int size, ViewExtras extras, Random rng)
    {
        if (rng.NextDouble() < JitterP) Jitter(x, rng);
        if (rng.NextDouble() < GrayP) x.Grayscale();
        if (rng.NextDouble() < extras.Blur) x.GaussianBlur(BlurKernel(size), 0.1 + 1.9 * rng.NextDouble());
        if (rng.NextDouble() < extras.Solarize) x.Solarize(128);
    }

    /// <summary>torchvision's ColorJitter: the four factors drawn, then applied in a random order.</summary>
    void Jitter(PixelOps x, Random rng)
    {
        double b = Uniform(rng, 1 - Brightness, 1 + Brightness), c = Uniform(rng, 1 - Contrast, 1 + Contrast);
        double s = Uniform(rng, 1 - Saturation, 1 + Saturation), h = Uniform(rng, -Hue, Hue);
        int[] order = [0, 1, 2, 3];
        rng.Shuffle(order);
        foreach (int op in order)
            switch (op)
            {
                case 0: x.Brightness(b); break;
                case 1: x.Contrast(c); break;
                case 2: x.Saturation(s); break;
                default: x.Hue(h); break;
            }
    }

    static double Uniform(Random rng, double lo, double hi) => lo + (hi - lo) * rng.NextDouble();
}
