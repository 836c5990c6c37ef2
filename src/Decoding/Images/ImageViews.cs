using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using SixLabors.ImageSharp.Processing.Processors.Transforms;
using VideoVCReg.Decoding.Transforms;
using static TorchSharp.torch;

namespace VideoVCReg.Decoding.Images;

/// <summary>Which of torchvision's classification transforms an image file gets.</summary>
public enum ImageViewKind
{
    /// <summary>RandomResizedCrop(size, (0.08, 1), (3/4, 4/3)) then a horizontal flip with probability ½.</summary>
    Train,
    /// <summary>Resize(short side ⌊size / crop ratio⌋) then CenterCrop(size).</summary>
    Eval,
    /// <summary>Appendix C.1's probe: bicubic Resize(short side 224) then CenterCrop(224) (<see cref="ImageViewSpec.Size"/> is the 224).</summary>
    Probe,
    /// <summary>Two views for a self-supervised objective (<see cref="ImageViewSpec.TwoViews"/>), <c>[2, 3, size, size]</c>.</summary>
    TwoViews,
}

/// <summary>A view's settings: output size, eval crop ratio, resampling ("bilinear" or "bicubic"), normalisation.</summary>
/// <param name="AutoAugment">Training views: after the crop and flip, torchvision's TrivialAugmentWide ("ta_wide") or AutoAugment's ImageNet policy ("imagenet"); "none": neither.</param>
/// <param name="EraseProbability">Training views: torchvision's RandomErasing after normalisation, with this probability (--random-erase).</param>
/// <param name="TwoViews">The augmentation of <see cref="ImageViewKind.TwoViews"/>.</param>
/// <param name="ResizeSize">Eval views: the short side before the centre crop (torchvision's --val-resize-size); null: ⌊size / crop ratio⌋.</param>
public sealed record ImageViewSpec(ImageViewKind Kind, int Size, double CropRatio, string Interpolation, double[] Mean, double[] Std, double MinArea = 0.08,
    string AutoAugment = "none", double EraseProbability = 0, TwoViewAugmentation? TwoViews = null, int? ResizeSize = null);

/// <summary>
/// torchvision's classification transforms on decoded files (ImageSharp): resampling with the kernel widened by the
/// downscale factor, as PIL's antialiased resize does, so views match torchvision's within a level or two
/// (a test compares them). Output: <c>[3, size, size]</c> float32, normalised.
/// </summary>
public static class ImageViews
{
    // One thread per image: the loader already runs one image per worker, and ImageSharp's own parallel
    // resampling on top of that only contends for the same cores.
    static readonly Configuration SingleThreaded = CreateConfiguration();

    static Configuration CreateConfiguration()
    {
        var c = Configuration.Default.Clone();
        c.MaxDegreeOfParallelism = 1;
        return c;
    }

    /// <summary>
    /// The file's pixels; a file cut short is an error (<see cref="ImageCompleteness"/>), as PIL's "image file is truncated".
    /// The reasons are one line without the path, which the loader's skip report puts before them.
    /// </summary>
    public static Image<Rgb24> Decode(string path)
    {
        // A FIFO in an image folder would block the loader for good; only a stat looks at it.
        if (File.Exists(path) && Files.InputFile.Reason(path, "image") is string bad) throw new InvalidDataException(bad);
        var bytes = File.ReadAllBytes(path);
        if (ImageCompleteness.Problem(bytes) is string cut) throw new InvalidDataException(cut);
        try { return Image.Load<Rgb24>(SingleThreaded, bytes); }
        // An unknown format's message lists every decoder over several lines.
        catch (UnknownImageFormatException) { throw new InvalidDataException("not an image in a format ImageSharp reads"); }
    }

    public static Tensor Load(string path, ImageViewSpec spec, Random rng)
    {
        using var image = Decode(path);
        IResampler sampler = spec.Interpolation switch
        {
            "bicubic" => KnownResamplers.Bicubic,
            "bilinear" => KnownResamplers.Triangle,
            _ => throw new ArgumentException($"interpolation '{spec.Interpolation}' is not bilinear or bicubic"),
        };
        if (spec.Kind == ImageViewKind.TwoViews) return TwoViews(image, spec, sampler, rng);
        switch (spec.Kind)
        {
            case ImageViewKind.Train:
            {
                var rrc = new RandomResizedCrop(spec.Size, (spec.MinArea, 1.0), (3.0 / 4.0, 4.0 / 3.0));
                var (top, left, h, w) = rrc.Window(image.Height, image.Width, rng);
                bool flip = rng.NextDouble() < 0.5;
                image.Mutate(x =>
                {
                    x.Crop(new Rectangle((int)left, (int)top, (int)w, (int)h)).Resize(new ResizeOptions { Size = new SixLabors.ImageSharp.Size(spec.Size, spec.Size), Sampler = sampler, Mode = ResizeMode.Stretch });
                    if (flip) x.Flip(FlipMode.Horizontal);
                });
                break;
            }
            case ImageViewKind.Eval:
                ResizeThenCentre(image, spec.ResizeSize ?? (int)Math.Floor(spec.Size / spec.CropRatio), spec.Size, sampler);
                break;
            case ImageViewKind.Probe:
                ResizeThenCentre(image, spec.Size, spec.Size, KnownResamplers.Bicubic);
                break;
        }
        if (spec.Kind != ImageViewKind.Train) return Normalised(image, spec, null);
        return Normalised(image, spec, rng);
    }

    /// <summary>
    /// Each view: the crop window and flip drawn as torchvision's RandomResizedCrop and RandomHorizontalFlip, resampled by
    /// ImageSharp as the training view is; then the colour part of <see cref="TwoViewAugmentation"/> on the 8-bit levels.
    /// </summary>
    static Tensor TwoViews(Image<Rgb24> image, ImageViewSpec spec, IResampler sampler, Random rng)
    {
        var two = spec.TwoViews ?? throw new ArgumentException("a two-view spec needs its augmentation");
        int plane = spec.Size * spec.Size;
        var data = new float[2 * 3 * plane];
        var bytes = new byte[plane * 3];
        for (int v = 0; v < 2; v++)
        {
            var (top, left, h, w) = two.Crop(spec.Size).Window(image.Height, image.Width, rng);
            bool flip = rng.NextDouble() < 0.5;
            using (var view = image.Clone(x =>
            {
                x.Crop(new Rectangle((int)left, (int)top, (int)w, (int)h)).Resize(new ResizeOptions { Size = new SixLabors.ImageSharp.Size(spec.Size, spec.Size), Sampler = sampler, Mode = ResizeMode.Stretch });
                if (flip) x.Flip(FlipMode.Horizontal);
            }))
                view.CopyPixelDataTo(bytes);
            var levels = new float[3 * plane];
            for (int k = 0; k < plane; k++)
                for (int ch = 0; ch < 3; ch++) levels[ch * plane + k] = bytes[3 * k + ch];
            var pixels = new Transforms.PixelOps(levels, spec.Size, spec.Size);
            two.Colour(pixels, spec.Size, v == 0 ? two.First : two.Second, rng);
            pixels.WriteNormalised(data, v * 3 * plane, spec.Mean, spec.Std);
        }
        return tensor(data, [2, 3, spec.Size, spec.Size]);
    }

    /// <summary>Resize(short side): the long side ⌊short · long / short⌋ as torchvision computes it; then CenterCrop with its rounding.</summary>
    static void ResizeThenCentre(Image<Rgb24> image, int shortSide, int crop, IResampler sampler)
    {
        int w = image.Width, h = image.Height;
        (int nw, int nh) = w <= h ? (shortSide, (int)((long)shortSide * h / w)) : ((int)((long)shortSide * w / h), shortSide);
        if (crop > nw || crop > nh) throw new ArgumentException($"crop {crop} larger than the resized image {nw}x{nh}");
        int top = (int)Math.Round((nh - crop) / 2.0), left = (int)Math.Round((nw - crop) / 2.0);
        image.Mutate(x => x.Resize(new ResizeOptions { Size = new SixLabors.ImageSharp.Size(nw, nh), Sampler = sampler, Mode = ResizeMode.Stretch })
            .Crop(new Rectangle(left, top, crop, crop)));
    }

    /// <param name="train">The view's draws for the training augmentations (TrivialAugmentWide, erasing); null for other views.</param>
    static Tensor Normalised(Image<Rgb24> image, ImageViewSpec spec, Random? train)
    {
        int w = image.Width, h = image.Height;
        var bytes = new byte[w * h * 3];
        image.CopyPixelDataTo(bytes);
        using var scope = NewDisposeScope();
        var x = tensor(bytes, [h, w, 3]).permute(2, 0, 1).to(ScalarType.Float32).div_(255);
        if (train is not null)
            x = spec.AutoAugment switch
            {
                "ta_wide" => new TrivialAugmentWide().Apply(x, train),
                "imagenet" => AutoAugmentImageNet.Apply(x, train),
                _ => x,
            };
        var mean = tensor(spec.Mean.Select(v => (float)v).ToArray()).view(3, 1, 1);
        var std = tensor(spec.Std.Select(v => (float)v).ToArray()).view(3, 1, 1);
        var normalised = ((x - mean) / std).contiguous();
        if (train is not null && spec.EraseProbability > 0)
            new RandomErasing(spec.EraseProbability, MaxArea: 0.33, ZeroFill: true).ApplyInPlace(normalised.unsqueeze(1), train, null!);
        return normalised.MoveToOuterDisposeScope();
    }
}
