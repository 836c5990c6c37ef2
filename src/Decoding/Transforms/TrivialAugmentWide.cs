using static TorchSharp.torch;

namespace VideoVCReg.Decoding.Transforms;

/// <summary>
/// torchvision's TrivialAugmentWide (Müller and Hutter 2021; torchvision.transforms.TrivialAugmentWide, as the
/// classification recipes' <c>--auto-augment ta_wide</c>): one op drawn uniformly from fourteen, a magnitude drawn
/// uniformly from its 31 bins, negated with probability ½ for signed ops; outside pixels black (torchvision's fill
/// None). The ops are <see cref="FrameOps"/>' PIL-equivalent ones; geometric ops resample bilinearly where
/// torchvision's default is nearest.
/// </summary>
public sealed record TrivialAugmentWide(int Bins = 31)
{
    /// <summary>torchvision's op order (the draw indexes it).</summary>
    public static readonly string[] Ops =
    [
        "Identity", "ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate", "Brightness", "Color", "Contrast",
        "Sharpness", "Posterize", "Solarize", "AutoContrast", "Equalize",
    ];

    static readonly float[] Black = [0, 0, 0];

    /// <summary>Bin <paramref name="bin"/> of the op's magnitudes, and whether the op is signed (torchvision's _augmentation_space).</summary>
    public (double Magnitude, bool Signed) Magnitude(string op, int bin)
    {
        double Linspace(double lo, double hi) => lo + (hi - lo) * bin / (Bins - 1);
        return op switch
        {
            "Identity" or "AutoContrast" or "Equalize" => (0, false),
            "ShearX" or "ShearY" => (Linspace(0, 0.99), true),
            "TranslateX" or "TranslateY" => (Linspace(0, 32), true),
            "Rotate" => (Linspace(0, 135), true),
            "Brightness" or "Color" or "Contrast" or "Sharpness" => (Linspace(0, 0.99), true),
            "Posterize" => (8 - Math.Round(bin / ((Bins - 1) / 6.0), MidpointRounding.ToEven), false),
            "Solarize" => (Linspace(255, 0), false),
            _ => throw new ArgumentException($"unknown TrivialAugmentWide op '{op}'"),
        };
    }

    /// <summary>Augments an image <c>[C, H, W]</c> in [0, 1]; returns a new tensor.</summary>
    public Tensor Apply(Tensor image, Random rng)
    {
        var op = Ops[rng.Next(Ops.Length)];
        var (m, signed) = Magnitude(op, rng.Next(Bins));
        if (signed && rng.Next(2) == 1) m = -m;
        using var batch = image.unsqueeze(0);
        using var result = ApplyOp(batch, op, m);
        return result.squeeze(0).contiguous();
    }

    /// <summary>One op at a signed magnitude, as torchvision's _apply_op, on <c>[N, C, H, W]</c> in [0, 1].</summary>
    public static Tensor ApplyOp(Tensor x, string op, double m) => op switch
    {
        "Identity" => x.clone(),
        "ShearX" => FrameOps.Affine(x, 1, m, 0, 0, 1, 0, Black),
        "ShearY" => FrameOps.Affine(x, 1, 0, 0, m, 1, 0, Black),
        // torchvision moves the picture by +m: output (x, y) samples the input at (x − m, y).
        "TranslateX" => FrameOps.Affine(x, 1, 0, -(int)m, 0, 1, 0, Black),
        "TranslateY" => FrameOps.Affine(x, 1, 0, 0, 0, 1, -(int)m, Black),
        "Rotate" => FrameOps.Rotate(x, m, Black),
        "Brightness" => FrameOps.Brightness(x, 1 + m),
        "Color" => FrameOps.Color(x, 1 + m),
        "Contrast" => FrameOps.Contrast(x, 1 + m),
        "Sharpness" => FrameOps.Sharpness(x, 1 + m),
        "Posterize" => FrameOps.Posterize(x, (int)m),
        // PIL inverts the levels i ≥ threshold; for integer levels that is i ≥ ⌈threshold⌉.
        "Solarize" => FrameOps.Solarize(x, (int)Math.Ceiling(m)),
        "AutoContrast" => FrameOps.AutoContrast(x),
        "Equalize" => FrameOps.Equalize(x),
        "Invert" => FrameOps.Invert(x),   // AutoAugment's ImageNet policy; not in TrivialAugmentWide's space
        _ => throw new ArgumentException($"unknown TrivialAugmentWide op '{op}'"),
    };
}
