using VideoVCReg.Experiment.Video;
using VideoVCReg.FineTune;
using VideoVCReg.Models.Regularization;

namespace VideoVCReg.Experiment.Specs;

/// <summary>
/// Everything a `finetune` run is: the model (preset, starting weights, input size), the data and views, the recipe, the
/// regularizer, the seed and device, and the run folder with what to do there. The CLI binds it from the configuration
/// layers and its options and checks it once (<see cref="Checked"/>); a sweep copies it with a trial's values
/// (<see cref="Sweeps.SweepPlan.TrialSpec"/>) and keeps the copy as JSON (<see cref="SpecJson"/>). <see cref="Experiments.Run"/> runs it.
/// </summary>
public sealed record FineTuneSpec : IRunSpec
{
    /// <summary>The preset's name (configs/models.json, or <see cref="Presets"/>).</summary>
    public string Model { get; init; } = "videomae-s";
    /// <summary>A checkpoint in any supported layout; null: random weights.</summary>
    public string? Weights { get; init; }
    /// <summary>Extra presets JSON layered over configs/models.json.</summary>
    public string? Presets { get; init; }
    /// <summary>Frames per clip and square input size, when not the preset's.</summary>
    public int? Frames { get; init; }
    public int? Size { get; init; }
    [VideoVCReg.Runtime.RunControl]
    public string OutDir { get; init; } = "runs/finetune";
    /// <summary>Replace a finished or unfinished run in <see cref="OutDir"/>.</summary>
    [VideoVCReg.Runtime.RunControl]
    public bool Force { get; init; }
    /// <summary>Train and validate only (a sweep's trials are scored on validation).</summary>
    [VideoVCReg.Runtime.RunControl]
    public bool SkipTest { get; init; }
    /// <summary>This split only, as one task of the Slurm array <see cref="Experiments.Submit"/> wrote.</summary>
    [VideoVCReg.Runtime.RunControl]
    public int? OnlyFold { get; init; }
    public long Seed { get; init; }
    /// <summary>auto, cpu, cuda or cuda:N (<see cref="VideoVCReg.Runtime.TorchDevice"/>).</summary>
    [VideoVCReg.Runtime.RunControl]
    public string Device { get; init; } = "auto";
    public TrainOptions Train { get; init; } = new();
    public DataOptions Data { get; init; } = new();
    public RegularizerOptions Regularizer { get; init; } = new();

    /// <summary>Every problem of the spec, one line each; empty when it can run.</summary>
    public IReadOnlyList<string> Problems() =>
        [.. Train.Problems(), .. Data.Problems(), .. Regularizer.Problems(), .. SpecSeed.Problem(Seed) is string seed ? [seed] : Array.Empty<string>()];

    /// <summary>The spec itself when it can run; otherwise one error listing every problem, so a user fixes them in one go.</summary>
    public FineTuneSpec Checked() =>
        Problems() is { Count: > 0 } problems ? throw new ArgumentException(string.Join("; ", problems)) : this;
}
