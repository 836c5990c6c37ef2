using System.Globalization;
using VideoVCReg.Decoding.Images;

namespace VideoVCReg.Experiment.Images;

/// <summary>How a grey set's views are made: its normalisation, and whether a horizontal flip is a fair augmentation.</summary>
public sealed record GreyViews(double[] Mean, double[] Std, bool Flip);

/// <summary>A grey set made ready for the image networks: both parts as RGB, and its views.</summary>
public sealed record GreyData(ImageArray Train, ImageArray Test, GreyViews Views);

/// <summary>
/// The grey image sets a <c>--data</c> spec names: <c>fashion-mnist</c> (Debian's dataset-fashion-mnist) or <c>fashion-mnist:DIR</c>,
/// <c>idx:DIR</c> (any MNIST-format set, <see cref="IdxFolder"/>), and <c>digits</c> (the UCI digits python3-sklearn ships, split
/// per class into test and training parts with a fixed seed). The grey plane is repeated into three channels, and inputs
/// are normalised by the training set's own grey mean and std (the same for every channel), as torchvision's MNIST
/// example does, so any preset sees inputs of mean 0 and std 1 whatever its RGB statistics were measured on.
/// </summary>
public static class GreySets
{
    public const string FashionMnist = "fashion-mnist", Digits = "digits", IdxPrefix = "idx:";
    public const string FashionMnistDir = "/usr/share/datasets/fashion-mnist";
    /// <summary>Fashion-MNIST's labels 0–9 (Xiao, Rasul and Vollgraf 2017; zalandoresearch/fashion-mnist's README).</summary>
    public static readonly string[] FashionClasses = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];
    /// <summary>sklearn's train_test_split default share, per class (<see cref="ImageHoldOut"/>), from a fixed seed so every run tests on the same images.</summary>
    public const double DigitsTestShare = 0.25;
    public const int DigitsSplitSeed = 0;

    /// <summary>Coarse labellings shipped for named sets: configs/labels/NAME-coarse.json.</summary>
    public static string ConfigMapping(string name) => Path.Combine(AppContext.BaseDirectory, "configs", "labels", $"{name}-coarse.json");

    public static bool Names(string spec) => spec is FashionMnist or Digits || spec.StartsWith(FashionMnist + ":") || spec.StartsWith(IdxPrefix);

    /// <summary>The folder (or, for digits, the file) the spec reads.</summary>
    public static string Location(string spec) =>
        spec == FashionMnist ? FashionMnistDir : spec == Digits ? UciDigits.DebianPath : spec[(spec.IndexOf(':') + 1)..];

    /// <summary>A one-line complaint when the spec's files are missing; null otherwise.</summary>
    public static string? Missing(string spec) =>
        spec == Digits ? (File.Exists(UciDigits.DebianPath) ? null : $"{UciDigits.DebianPath}: file not found (install Debian's python3-sklearn)")
        : spec == FashionMnist && !Directory.Exists(FashionMnistDir) ? $"{FashionMnistDir}: folder not found (install Debian's dataset-fashion-mnist)"
        : IdxFolder.Missing(Location(spec));

    /// <summary>
    /// The coarse labelling for the spec, or null when it has none: a folder's own <see cref="CoarseLabels.FolderFile"/>,
    /// else the one configs/labels ships for the set (Fashion-MNIST's; the digits have none).
    /// </summary>
    public static string? CoarseMapping(string spec)
    {
        if (spec != Digits && spec != FashionMnist && Path.Combine(Location(spec), CoarseLabels.FolderFile) is var own && File.Exists(own)) return own;
        var shipped = spec == Digits ? ConfigMapping(Digits) : spec.StartsWith(FashionMnist) ? ConfigMapping(FashionMnist) : null;
        return shipped is not null && File.Exists(shipped) ? shipped : null;
    }

    public static string Describe(string spec) => spec == Digits
        ? $"digits ({digitsSizes.Value}, split per class with seed {DigitsSplitSeed}; grey ×3)"
        : $"{spec} (grey ×3)";

    static readonly Lazy<string> digitsSizes = new(DigitsSizes);

    /// <summary>The digits' split sizes, from the file itself; only the shares when it is missing (the run then stops on that).</summary>
    static string DigitsSizes()
    {
        if (!File.Exists(UciDigits.DebianPath)) return $"{1 - DigitsTestShare:P0} / {DigitsTestShare:P0}";
        var (train, test) = SplitDigits(UciDigits.Read(UciDigits.DebianPath), DigitsSplitSeed);
        return string.Create(CultureInfo.InvariantCulture, $"{train.Count} train / {test.Count} test");
    }

    public static GreyData Read(string spec, bool coarse)
    {
        if (Missing(spec) is string missing) throw new FileNotFoundException(missing);
        var (train, test) = spec == Digits ? SplitDigits(UciDigits.Read(UciDigits.DebianPath), DigitsSplitSeed)
            : IdxFolder.Read(Location(spec), spec.StartsWith(FashionMnist) ? FashionClasses : null);
        if (coarse)
        {
            var map = CoarseLabels.Load(CoarseMapping(spec) ?? throw new ArgumentException($"--labels coarse: {spec} has no coarse mapping"));
            (train, test) = (map.Apply(train), map.Apply(test));
        }
        var (mean, std) = GreyImages.Statistics(train);
        // Handwriting is not mirror-symmetric; garments are, as CIFAR's objects are.
        return new GreyData(GreyImages.ToRgb(train), GreyImages.ToRgb(test), new([mean, mean, mean], [std, std, std], Flip: spec.StartsWith(FashionMnist)));
    }

    /// <summary>(train, test) of all digits: per class, the seeded share <see cref="DigitsTestShare"/> is the test part.</summary>
    public static (ImageArray Train, ImageArray Test) SplitDigits(ImageArray all, int seed)
    {
        var (fit, held) = ImageHoldOut.Split(all.Labels, DigitsTestShare, seed);
        return (all.Subset(fit, "train"), all.Subset(held, "test"));
    }
}
