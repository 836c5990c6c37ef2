using Microsoft.Extensions.Logging;
using VideoVCReg.Decoding.Images;
using VideoVCReg.Models.Image;

namespace VideoVCReg.Experiment.Images;

/// <summary>The image data a `--data` spec names: CIFAR-format folders and the synthetic sets (<see cref="CifarSource"/>) or an ImageFolder tree.</summary>
public static class ImageSources
{
    public const string Accepted = "DIR (ImageFolder: DIR/train/<class>/*, DIR/val/<class>/*), cifar10:DIR, cifar100:DIR, synthetic or synthetic-downstream";

    static bool IsCifar(string spec) => CifarSource.Problem(spec) is null;

    /// <summary>A one-line complaint about the spec, or null.</summary>
    public static string? Problem(string spec, bool coarse = false)
    {
        if (string.IsNullOrWhiteSpace(spec)) return $"--data must be {Accepted} (got '')";
        if (!IsCifar(spec) && spec.Contains(':')) return $"--data must be {Accepted} (got '{spec}')";
        if (coarse && !(spec.StartsWith("cifar100:") || spec == CifarSource.Synthetic)) return $"--labels coarse needs cifar100:DIR or {CifarSource.Synthetic} (got '{spec}')";
        return null;
    }

    /// <summary>
    /// A spec whose folder does not exist, as one line; null otherwise (the synthetic sets have none). For checks made before
    /// long work (a protocol's pretraining) that would otherwise end on it.
    /// </summary>
    public static string? MissingFolder(string spec)
    {
        if (spec is CifarSource.Synthetic or CifarSource.SyntheticDownstream) return null;
        var dir = spec.StartsWith("cifar10:") || spec.StartsWith("cifar100:") ? spec[(spec.IndexOf(':') + 1)..] : spec;
        return Directory.Exists(dir) ? null : $"{dir}: folder not found";
    }

    public static IDataSource Create(string spec, ImagePreset preset, bool coarse = false, double? imbalance = null, int workers = 2, ILogger? log = null,
        ImageRecipe? recipe = null, string? twoViews = null, double validationShare = 0)
    {
        if (Problem(spec, coarse) is string bad) throw new ArgumentException(bad);
        if (!IsCifar(spec)) return new ImageFolderSource(spec, preset, imbalance, workers, log, recipe ?? new ImageRecipe(), twoViews, validationShare);
        // CIFAR's recipe is the padded crop and flip; the ImageNet policies are for ImageFolder data.
        if (recipe is { Any: true })
            log?.LogWarning("{Spec}: --auto-augment, --random-erase, --train-crop-size, --val-resize-size and --ra-reps apply to ImageFolder data only; CIFAR views keep the padded crop and flip", spec);
        return new CifarSource(spec, preset, coarse, imbalance, twoViews, validationShare);
    }
}
