using static TorchSharp.torch;

namespace VideoVCReg.Decoding.Transforms;

/// <summary>
/// AutoAugment's ImageNet policy (Cubuk et al. 2019), as torchvision's AutoAugment(AutoAugmentPolicy.IMAGENET), the ViT
/// recipe's <c>--auto-augment imagenet</c>: one of 25 sub-policies drawn uniformly; each of its two ops applied with its
/// probability at its magnitude bin of 10, negated with probability ½ when signed; outside pixels black. The ops are
/// <see cref="TrivialAugmentWide.ApplyOp"/>'s (PIL's), so geometric ops resample bilinearly where torchvision's default
/// is nearest. A test checks the table and the magnitudes against torchvision's.
/// </summary>
public static class AutoAugmentImageNet
{
    public const int Bins = 10;

    /// <summary>The 25 sub-policies: (op, probability, magnitude bin or null).</summary>
    public static readonly (string Op, double P, int? Bin)[][] Policies =
    [
        [("Posterize", 0.4, 8), ("Rotate", 0.6, 9)],
        [("Solarize", 0.6, 5), ("AutoContrast", 0.6, null)],
        [("Equalize", 0.8, null), ("Equalize", 0.6, null)],
        [("Posterize", 0.6, 7), ("Posterize", 0.6, 6)],
        [("Equalize", 0.4, null), ("Solarize", 0.2, 4)],
        [("Equalize", 0.4, null), ("Rotate", 0.8, 8)],
        [("Solarize", 0.6, 3), ("Equalize", 0.6, null)],
        [("Posterize", 0.8, 5), ("Equalize", 1.0, null)],
        [("Rotate", 0.2, 3), ("Solarize", 0.6, 8)],
        [("Equalize", 0.6, null), ("Posterize", 0.4, 6)],
        [("Rotate", 0.8, 8), ("Color", 0.4, 0)],
        [("Rotate", 0.4, 9), ("Equalize", 0.6, null)],
        [("Equalize", 0.0, null), ("Equalize", 0.8, null)],
        [("Invert", 0.6, null), ("Equalize", 1.0, null)],
        [("Color", 0.6, 4), ("Contrast", 1.0, 8)],
        [("Rotate", 0.8, 8), ("Color", 1.0, 2)],
        [("Color", 0.8, 8), ("Solarize", 0.8, 7)],
        [("Sharpness", 0.4, 7), ("Invert", 0.6, null)],
        [("ShearX", 0.6, 5), ("Equalize", 1.0, null)],
        [("Color", 0.4, 0), ("Equalize", 0.6, null)],
        [("Equalize", 0.4, null), ("Solarize", 0.2, 4)],
        [("Solarize", 0.6, 5), ("AutoContrast", 0.6, null)],
        [("Invert", 0.6, null), ("Equalize", 1.0, null)],
        [("Color", 0.6, 4), ("Contrast", 1.0, 8)],
        [("Equalize", 0.8, null), ("Equalize", 0.6, null)],
    ];

    /// <summary>Bin <paramref name="bin"/> of an op's 10 magnitudes for an image of <paramref name="height"/> × <paramref name="width"/>, and whether it is signed.</summary>
    public static (double Magnitude, bool Signed) Magnitude(string op, int bin, int height, int width)
    {
        double Linspace(double lo, double hi) => lo + (hi - lo) * bin / (Bins - 1);
        return op switch
        {
            "ShearX" or "ShearY" => (Linspace(0, 0.3), true),
            "TranslateX" => (Linspace(0, 150.0 / 331 * width), true),
            "TranslateY" => (Linspace(0, 150.0 / 331 * height), true),
            "Rotate" => (Linspace(0, 30), true),
            "Brightness" or "Color" or "Contrast" or "Sharpness" => (Linspace(0, 0.9), true),
            "Posterize" => (8 - Math.Round(bin / ((Bins - 1) / 4.0), MidpointRounding.ToEven), false),
            "Solarize" => (Linspace(255, 0), false),
            "AutoContrast" or "Equalize" or "Invert" => (0, false),
            _ => throw new ArgumentException($"unknown AutoAugment op '{op}'"),
        };
    }

    /// <summary>Augments an image <c>[C, H, W]</c> in [0, 1]; the draws in torchvision's order: policy, two probabilities, two signs.</summary>
    public static Tensor Apply(Tensor image, Random rng)
    {
        var policy = Policies[rng.Next(Policies.Length)];
        double[] probs = [rng.NextDouble(), rng.NextDouble()];
        int[] signs = [rng.Next(2), rng.Next(2)];
        int height = (int)image.shape[1], width = (int)image.shape[2];
        var x = image.unsqueeze(0);
        for (int i = 0; i < 2; i++)
        {
            var (op, p, bin) = policy[i];
            if (probs[i] > p) continue;
            var (m, signed) = bin is int b ? Magnitude(op, b, height, width) : (0, false);
            if (signed && signs[i] == 0) m = -m;
            var next = TrivialAugmentWide.ApplyOp(x, op, m);
            x.Dispose();
            x = next;
        }
        using (x) return x.squeeze(0).contiguous();
    }
}
