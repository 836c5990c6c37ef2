using VideoVCReg.Experiment.Images;
using VideoVCReg.Experiment.Video;
using VideoVCReg.FineTune;
using VideoVCReg.Models.Regularization;

namespace VideoVCReg.Experiment.Specs;

/// <summary>
/// Everything a `pretrain` run is: a video preset (<see cref="Model"/>) on rendered motion classes or a video dataset, or an
/// image backbone (<see cref="Arch"/>) on image data with a supervised or self-supervised objective; the recipe, the
/// regularizer, the seed and device, and the run folder. Bound and checked once like <see cref="FineTuneSpec"/>; a sweep
/// copies it with a trial's values (<see cref="Sweeps.SweepPlan.PretrainTrialSpec"/>). <see cref="Experiments.Run(PretrainSpec, Microsoft.Extensions.Logging.ILoggerFactory, CancellationToken)"/> runs it.
/// </summary>
public sealed record PretrainSpec : IRunSpec
{
    /// <summary>The video preset (configs/models.json, or <see cref="Presets"/>); unused by an image run.</summary>
    public string Model { get; init; } = "videomae-s";
    /// <summary>A starting checkpoint in any supported layout; null: random weights.</summary>
    public string? Weights { get; init; }
    public string? Presets { get; init; }
    public int? Frames { get; init; }
    public int? Size { get; init; }
    /// <summary>The image backbone preset (configs/images.json, or <see cref="ArchPresets"/>); set, the run is an image run.</summary>
    public string? Arch { get; init; }
    public string? ArchPresets { get; init; }
    /// <summary>The source data (`--data`); null: <see cref="SyntheticMotion.Name"/> for video, <see cref="CifarSource.Synthetic"/> for images.</summary>
    public string? Source { get; init; }
    /// <summary>fine or coarse; null when not given (fine), so a video run can refuse a given one.</summary>
    public string? Labels { get; init; }
    public double? Imbalance { get; init; }
    /// <summary>The rendered source's classes, batches per epoch and validation clips; null when not given (16, 50, 64).</summary>
    public int? Classes { get; init; }
    public int? StepsPerEpoch { get; init; }
    public int? ValClips { get; init; }
    [VideoVCReg.Runtime.RunControl]
    public string OutDir { get; init; } = "runs/pretrain";
    [VideoVCReg.Runtime.RunControl]
    public bool Force { get; init; }
    /// <summary>A finished run with the same settings is kept and its weights reported (a cache).</summary>
    [VideoVCReg.Runtime.RunControl]
    public bool Reuse { get; init; }
    [VideoVCReg.Runtime.RunControl]
    public bool SkipTest { get; init; }
    public string Objective { get; init; } = ImagePretrainSpec.Supervised;
    public string? Projector { get; init; }
    public double Temperature { get; init; } = 0.1;
    /// <summary>`--val-share`; null when not given (images: none; a video dataset: Data:ValidationShare).</summary>
    public double? ValidationShare { get; init; }
    public long Seed { get; init; }
    [VideoVCReg.Runtime.RunControl]
    public string Device { get; init; } = "auto";
    public TrainOptions Train { get; init; } = new();
    public DataOptions Data { get; init; } = new();
    public RegularizerOptions Regularizer { get; init; } = new();

    public bool Rendered => Arch is null && VideoSource == SyntheticMotion.Name;
    public string VideoSource => Source ?? SyntheticMotion.Name;

    /// <summary>The data options a video dataset is read with: the source as its path, a given --val-share over the section's.</summary>
    public DataOptions VideoData => Rendered ? Data : Data with { Path = VideoSource, ValidationShare = ValidationShare ?? Data.ValidationShare };

    /// <summary>What <see cref="ImagePretraining"/> runs, the preset resolved by name.</summary>
    public ImagePretrainSpec Image() => new(Models.Image.ImagePresets.Get(Arch ?? throw new InvalidOperationException("not an image run (no --arch)"), ArchPresets),
        Source ?? CifarSource.Synthetic, Labels == "coarse", Imbalance, Weights, Data.Workers, Data.Images(), Objective, Projector, Temperature, ValidationShare ?? 0);

    /// <summary>Every problem of the spec, one line each; empty when it can run.</summary>
    public IReadOnlyList<string> Problems()
    {
        var p = new List<string>([.. Train.Problems(), .. Data.Problems(), .. Regularizer.Problems()]);
        if (SpecSeed.Problem(Seed) is string seed) p.Add(seed);
        if (Arch is not null) p.AddRange(ImageProblems());
        else p.AddRange(VideoProblems());
        return p;
    }

    /// <summary>The spec itself when it can run; otherwise one error listing every problem, so a user fixes them in one go.</summary>
    public PretrainSpec Checked() =>
        Problems() is { Count: > 0 } problems ? throw new ArgumentException(string.Join("; ", problems)) : this;

    IEnumerable<string> ImageProblems()
    {
        var labels = Labels ?? "fine";
        if (ImageSources.Problem(Source ?? CifarSource.Synthetic, labels == "coarse") is string bad) yield return bad;
        if (labels is not ("fine" or "coarse")) yield return $"--labels must be fine or coarse (got '{labels}')";
        if (Imbalance is double r && !(r >= 1 && double.IsFinite(r))) yield return $"--imbalance must be a finite ratio ≥ 1 (got {r})";
        var image = new ImagePretrainSpec(null!, "", Objective: Objective, Projector: Projector, Temperature: Temperature, ValidationShare: ValidationShare ?? 0);
        if (image.Problem() is string objective) yield return objective;
        if (image.SelfSupervised && Imbalance is not null) yield return "--imbalance is for supervised pretraining (a self-supervised run does not use the labels)";
        if (image.SelfSupervised && ImagePretrainSpec.FineTuningOnly(Train) is string on) yield return ImagePretrainSpec.LabelFree(Objective, on);
    }

    IEnumerable<string> VideoProblems()
    {
        if (Rendered && ValidationShare is double vs && vs != 0)
            yield return $"--val-share is for image data (--arch) and video datasets; pretraining on {SyntheticMotion.Name} validates on --val-clips rendered videos (got {vs})";
        if (!Rendered)
            foreach (var (name, _) in new[] { ("--classes", Classes), ("--steps-per-epoch", StepsPerEpoch), ("--val-clips", ValClips) }.Where(o => o.Item2 is not null))
                yield return $"{name} is for {SyntheticMotion.Name}; --data {VideoSource} has its own classes and videos";
        if (Objective != ImagePretrainSpec.Supervised || Projector is not null)
            yield return $"--objective {Objective} and --projector are for image backbones (--arch); video pretraining is supervised";
        if (!Rendered && FoldsProblem(VideoData) is string folds) yield return folds;
        if (Labels is not null) yield return "--labels is for CIFAR-100 image data (--arch); the synthetic motion classes have one label set";
        if (Imbalance is not null) yield return "--imbalance is for image data (--arch); video pretraining renders every class alike";
        if (Classes is < 2 or > 64) yield return $"--classes must be in [2, 64] (got {Classes})";
        if (StepsPerEpoch < 1) yield return $"--steps-per-epoch must be ≥ 1 (got {StepsPerEpoch})";
        if (ValClips < 0) yield return $"--val-clips must be ≥ 0 (got {ValClips})";
    }

    static string? FoldsProblem(DataOptions data)
    {
        try { data.Folds(); return null; }
        catch (FormatException e) { return e.Message; }
    }
}
