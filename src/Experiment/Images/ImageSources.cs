using Microsoft.Extensions.Logging;
using VideoVCReg.Decoding.Images;
using VideoVCReg.Models.Image;

namespace VideoVCReg.Experiment.Images;

/// <summary>
/// The image data a `--data` spec names: CIFAR-format folders, the synthetic sets and the grey sets (<see cref="CifarSource"/>,
/// <see cref="GreySets"/>), or an ImageFolder tree. <c>--labels coarse</c> takes CIFAR-100's coarse labels, or a coarse
/// mapping (<see cref="CoarseLabels"/>): DIR/coarse_labels.json for a folder, configs/labels/NAME-coarse.json for a named set.
/// </summary>
public static class ImageSources
{
    public const string Accepted = "DIR (ImageFolder: DIR/train/<class>/*, DIR/val/<class>/*), cifar10:DIR, cifar100:DIR, fashion-mnist, fashion-mnist:DIR, idx:DIR (MNIST-format files), digits, synthetic or synthetic-downstream; an in-memory one with @CLASSES keeps those classes and with #N the first N training images of each (fashion-mnist@0-4#600)";

    static bool IsCifar(string spec) => CifarSource.Problem(spec) is null;

    /// <summary>A one-line complaint about the spec, or null.</summary>
    public static string? Problem(string spec, bool coarse = false)
    {
        if (string.IsNullOrWhiteSpace(spec)) return $"--data must be {Accepted} (got '')";
        if (ClassSelection.Problem(spec) is string badSelection) return badSelection;
        var (baseSpec, selection, _) = ClassSelection.Split(spec);
        // Coarse labels come from the classes as read: "@0-3" could mean garment groups or fine classes, so it is not guessed.
        if (coarse && selection is not null) return $"--data {spec} with --labels coarse: a class selection would name coarse classes; select fine classes with a coarse mapping of your own instead";
        spec = baseSpec;
        if (!IsCifar(spec) && spec.Contains(':')) return $"--data must be {Accepted} (got '{spec}')";
        if (coarse && !(spec.StartsWith("cifar100:") || spec == CifarSource.Synthetic) && CoarseMapping(spec) is null)
            return $"--labels coarse needs cifar100:DIR, {CifarSource.Synthetic}, or a data set with a coarse mapping; {spec} has none (looked for {CoarseHint(spec)})";
        return null;
    }

    static string CoarseHint(string spec) => spec is GreySets.Digits or GreySets.FashionMnist
        ? GreySets.ConfigMapping(spec) : Path.Combine(GreySets.Names(spec) ? GreySets.Location(spec) : spec, CoarseLabels.FolderFile);

    /// <summary>The coarse mapping a grey set or an ImageFolder tree has, or null.</summary>
    static string? CoarseMapping(string spec) =>
        GreySets.Names(spec) ? GreySets.CoarseMapping(spec)
        : IsCifar(spec) ? null
        : File.Exists(Path.Combine(spec, CoarseLabels.FolderFile)) ? Path.Combine(spec, CoarseLabels.FolderFile) : null;

    /// <summary>
    /// A spec whose folder does not exist, as one line; null otherwise (the synthetic sets have none). For checks made before
    /// long work (a protocol's pretraining) that would otherwise end on it.
    /// </summary>
    public static string? MissingFolder(string spec)
    {
        if (ClassSelection.Problem(spec) is null) spec = ClassSelection.Split(spec).Base;
        if (spec is CifarSource.Synthetic or CifarSource.SyntheticDownstream) return null;
        if (GreySets.Names(spec)) return GreySets.Missing(spec);
        var dir = spec.StartsWith("cifar10:") || spec.StartsWith("cifar100:") ? spec[(spec.IndexOf(':') + 1)..] : spec;
        return Directory.Exists(dir) ? null : $"{dir}: folder not found";
    }

    public static IDataSource Create(string spec, ImagePreset preset, bool coarse = false, double? imbalance = null, int workers = 2, ILogger? log = null,
        ImageRecipe? recipe = null, string? twoViews = null, double validationShare = 0)
    {
        if (Problem(spec, coarse) is string bad) throw new ArgumentException(bad);
        (spec, var selection, var perClass) = ClassSelection.Split(spec);
        if (!IsCifar(spec)) return new ImageFolderSource(spec, preset, imbalance, workers, log, recipe ?? new ImageRecipe(), twoViews, validationShare, coarse);
        // CIFAR's recipe is the padded crop and flip; the ImageNet policies are for ImageFolder data.
        if (recipe is { Any: true })
            log?.LogWarning("{Spec}: --auto-augment, --random-erase, --train-crop-size, --val-resize-size and --ra-reps apply to ImageFolder data only; CIFAR views keep the padded crop and flip", spec);
        return new CifarSource(spec, preset, coarse, imbalance, twoViews, validationShare, selection, perClass);
    }
}
