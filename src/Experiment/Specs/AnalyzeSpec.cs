using VideoVCReg.Experiment.Images;
using VideoVCReg.Experiment.Video;

namespace VideoVCReg.Experiment.Specs;

/// <summary>
/// Everything an `analyze` is: frozen backbones (an image preset <see cref="Arch"/> or a video preset <see cref="Model"/>,
/// each with zero or more checkpoints), the data whose training and test features are measured, and the folder. Bound and
/// checked once like <see cref="FineTuneSpec"/>; <see cref="Experiments.Run(AnalyzeSpec, Microsoft.Extensions.Logging.ILoggerFactory, CancellationToken)"/> runs it.
/// </summary>
public sealed record AnalyzeSpec
{
    public string? Arch { get; init; }
    public string? ArchPresets { get; init; }
    public string? Model { get; init; }
    public string? Presets { get; init; }
    public int? Frames { get; init; }
    public int? Size { get; init; }
    /// <summary>The checkpoints side by side; none: random weights.</summary>
    public IReadOnlyList<string> Weights { get; init; } = [];
    /// <summary>`--data`; null: <see cref="CifarSource.Synthetic"/> for images, the synthetic dataset (under <see cref="OutDir"/>) for video.</summary>
    public string? Source { get; init; }
    public string Labels { get; init; } = "fine";
    public string? SaveFeatures { get; init; }
    public string OutDir { get; init; } = "runs/analyze";
    public bool Force { get; init; }
    public long Seed { get; init; }
    public string Device { get; init; } = "auto";
    /// <summary>The loader's workers and checks; for video also the split and sampling rate.</summary>
    public DataOptions Data { get; init; } = new();

    /// <summary>The data options a video analysis reads: the source as the dataset's path.</summary>
    public DataOptions VideoData => Data with { Path = Source };

    /// <summary>Every problem of the spec, one line each; empty when it can run.</summary>
    public IReadOnlyList<string> Problems()
    {
        if ((Arch is null) == (Model is null)) return ["give one of --arch (an image backbone) or --model (a video preset)"];
        var p = new List<string>();
        if (Arch is not null)
        {
            if (Labels is not ("fine" or "coarse")) p.Add($"--labels must be fine or coarse (got '{Labels}')");
            else if (ImageSources.Problem(Source ?? CifarSource.Synthetic, Labels == "coarse") is string bad) p.Add(bad);
        }
        p.AddRange(Weights.Where(f => !File.Exists(f)).Select(f => $"{f}: file not found"));
        if (Weights.Distinct().Count() != Weights.Count) p.Add("--weights names a file twice");
        if (Model is not null)
        {
            var data = VideoData;
            var before = p.Count;
            p.AddRange(data.Problems());
            if (p.Count == before && data.Folds().Count != 1) p.Add($"--split must name one split for an analysis (got '{data.Split}')");
        }
        return p;
    }

    /// <summary>The spec itself when it can run; otherwise one error listing every problem.</summary>
    public AnalyzeSpec Checked() =>
        Problems() is { Count: > 0 } problems ? throw new ArgumentException(string.Join("; ", problems)) : this;
}
