using System.Globalization;
using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace VideoVCReg.Decoding.Transforms;

/// <summary>
/// timm's RandAugment as VideoMAE applies it to a clip: <see cref="Layers"/> ops drawn with replacement from
/// the "increasing" set, each applied with probability 0.5 at a magnitude drawn from N(m, mstd) clipped to
/// [0, 10]. The op, its magnitude and its random sign are drawn once per clip, so every frame gets the same
/// transform (VideoMAE's per-list AugmentOp). Only <c>inc1</c> is supported: it is what VideoMAE uses.
/// </summary>
public sealed partial record RandAugment(int Layers = 4, double Magnitude = 7, double MagnitudeStd = 0.5, double Prob = 0.5)
{
    public const string VideoMaeSpec = "rand-m7-n4-mstd0.5-inc1";

    /// <summary>timm's _RAND_INCREASING_TRANSFORMS, in its order (the draw indexes this list).</summary>
    public static readonly string[] Ops =
    [
        "AutoContrast", "Equalize", "Invert", "Rotate", "PosterizeIncreasing", "SolarizeIncreasing", "SolarizeAdd",
        "ColorIncreasing", "ContrastIncreasing", "BrightnessIncreasing", "SharpnessIncreasing",
        "ShearX", "ShearY", "TranslateXRel", "TranslateYRel",
    ];

    /// <summary>Outside pixels after geometric ops: the ImageNet mean colour, as VideoMAE's img_mean hparam.</summary>
    static readonly float[] Fill = [.. Normalization.ImageNet.Mean.Select(m => MathF.Round(255 * m) / 255)];

    public static RandAugment Parse(string spec)
    {
        var parts = spec.Split('-');
        if (parts[0] != "rand") throw new ArgumentException($"RandAugment spec '{spec}' must start with 'rand'");
        var r = new RandAugment();
        bool increasing = false;
        foreach (var p in parts.Skip(1))
        {
            var m = Part().Match(p);
            if (!m.Success) throw new ArgumentException($"RandAugment spec '{spec}': cannot read '{p}'");
            double v = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            if (m.Groups[1].Value == "inc") { increasing = v != 0; continue; }
            r = m.Groups[1].Value switch
            {
                "m" => r with { Magnitude = v },
                "n" => r with { Layers = (int)v },
                "mstd" => r with { MagnitudeStd = v },
                "p" => r with { Prob = v },
                var k => throw new ArgumentException($"RandAugment spec '{spec}': unknown key '{k}'"),
            };
        }
        if (!increasing) throw new NotSupportedException($"RandAugment spec '{spec}': only the 'inc1' op set is implemented (VideoMAE's {VideoMaeSpec})");
        return r;
    }

    [GeneratedRegex(@"^([a-z]+)([0-9.]+)$")]
    private static partial Regex Part();

    /// <summary>Applies to a clip <c>[C, T, H, W]</c> in [0, 1]; returns a new tensor.</summary>
    public Tensor Apply(Tensor clip, Random rng)
    {
        using var scope = NewDisposeScope();
        var x = clip.permute(1, 0, 2, 3);                       // (T, C, H, W)
        for (int i = 0; i < Layers; i++)
        {
            var op = Ops[rng.Next(Ops.Length)];
            if (Prob < 1 && rng.NextDouble() > Prob) continue;
            double m = MagnitudeStd > 0 ? Magnitude + MagnitudeStd * Gauss(rng) : Magnitude;
            x = ApplyOp(x, op, Math.Clamp(m, 0, 10) / 10, rng);
        }
        return x.permute(1, 0, 2, 3).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>One op at level <paramref name="l"/> = magnitude / 10, with timm's level-to-argument rules.</summary>
    internal static Tensor ApplyOp(Tensor x, string op, double l, Random rng)
    {
        double Signed(double v) => rng.NextDouble() > 0.5 ? -v : v;   // timm's _randomly_negate
        double Enhance() => Math.Max(0.1, 1.0 + Signed(l * 0.9));
        return op switch
        {
            "AutoContrast" => FrameOps.AutoContrast(x),
            "Equalize" => FrameOps.Equalize(x),
            "Invert" => FrameOps.Invert(x),
            "Rotate" => FrameOps.Rotate(x, Signed(l * 30), Fill),
            "PosterizeIncreasing" => FrameOps.Posterize(x, 4 - (int)(l * 4)),
            "SolarizeIncreasing" => FrameOps.Solarize(x, 256 - (int)(l * 256)),
            "SolarizeAdd" => FrameOps.SolarizeAdd(x, (int)(l * 110)),
            "ColorIncreasing" => FrameOps.Color(x, Enhance()),
            "ContrastIncreasing" => FrameOps.Contrast(x, Enhance()),
            "BrightnessIncreasing" => FrameOps.Brightness(x, Enhance()),
            "SharpnessIncreasing" => FrameOps.Sharpness(x, Enhance()),
            "ShearX" => FrameOps.Affine(x, 1, Signed(l * 0.3), 0, 0, 1, 0, Fill),
            "ShearY" => FrameOps.Affine(x, 1, 0, 0, Signed(l * 0.3), 1, 0, Fill),
            "TranslateXRel" => FrameOps.Affine(x, 1, 0, Signed(l * 0.45) * x.shape[3], 0, 1, 0, Fill),
            "TranslateYRel" => FrameOps.Affine(x, 1, 0, 0, 0, 1, Signed(l * 0.45) * x.shape[2], Fill),
            _ => throw new ArgumentException($"unknown RandAugment op '{op}'"),
        };
    }

    static double Gauss(Random rng) // Box–Muller
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
