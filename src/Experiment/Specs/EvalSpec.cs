using VideoVCReg.Experiment.Video;

namespace VideoVCReg.Experiment.Specs;

/// <summary>
/// Everything an `eval` is: a checkpoint of a preset, the test views of the data's splits, and the folder for the results
/// and the report. Bound and checked once like <see cref="FineTuneSpec"/>; <see cref="Experiments.Run(EvalSpec, Microsoft.Extensions.Logging.ILoggerFactory, CancellationToken)"/> runs it.
/// </summary>
public sealed record EvalSpec
{
    public string Model { get; init; } = "videomae-s";
    /// <summary>The checkpoint to test (any supported layout); its head must fit the dataset's classes.</summary>
    public required string Weights { get; init; }
    public string? Presets { get; init; }
    public int? Frames { get; init; }
    public int? Size { get; init; }
    /// <summary>Views per forward pass.</summary>
    public int BatchSize { get; init; } = 8;
    public string OutDir { get; init; } = "runs/eval";
    public bool Force { get; init; }
    public long Seed { get; init; }
    public string Device { get; init; } = "auto";
    public DataOptions Data { get; init; } = new();

    /// <summary>Every problem of the spec, one line each; empty when it can run.</summary>
    public IReadOnlyList<string> Problems()
    {
        var p = Data.Problems().ToList();
        if (Data.Path is null) p.Add($"eval needs --data (Data:Path): {Decoding.Datasets.DatasetSpec.Accepted}");
        if (BatchSize < 1) p.Add("--batch-size must be ≥ 1");
        return p;
    }

    /// <summary>The spec itself when it can run; otherwise one error listing every problem.</summary>
    public EvalSpec Checked() =>
        Problems() is { Count: > 0 } problems ? throw new ArgumentException(string.Join("; ", problems)) : this;
}
