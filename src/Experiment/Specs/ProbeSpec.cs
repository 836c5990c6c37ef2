using VideoVCReg.Experiment.Images;
using VideoVCReg.Experiment.Probe;

namespace VideoVCReg.Experiment.Specs;

/// <summary>
/// Everything a `probe` is: a frozen image backbone (preset and weights), the downstream data and labels, the probe's
/// solver and its settings (<see cref="Probe"/>), and the run folder. Bound and checked once like <see cref="FineTuneSpec"/>;
/// <see cref="Experiments.Run(ProbeSpec, Microsoft.Extensions.Logging.ILoggerFactory, CancellationToken)"/> runs it.
/// </summary>
public sealed record ProbeSpec
{
    public required string Arch { get; init; }
    /// <summary>Backbone checkpoint (torchvision layout); null: random weights.</summary>
    public string? Weights { get; init; }
    public string? ArchPresets { get; init; }
    public string Source { get; init; } = CifarSource.SyntheticDownstream;
    public string Labels { get; init; } = "fine";
    /// <summary>Loader workers for the images.</summary>
    [VideoVCReg.Runtime.RunControl]
    public int Workers { get; init; } = 2;
    /// <summary>The solver and its settings, the folder, force, seed (its device and settings are the run's own).</summary>
    public required ProbeOptions Probe { get; init; }
    [VideoVCReg.Runtime.RunControl]
    public string Device { get; init; } = "auto";

    /// <summary>Every problem of the spec, one line each; empty when it can run.</summary>
    public IReadOnlyList<string> Problems()
    {
        var p = new List<string>();
        if (ImageSources.Problem(Source, Labels == "coarse") is string bad) p.Add(bad);
        if (Labels is not ("fine" or "coarse")) p.Add($"--labels must be fine or coarse (got '{Labels}')");
        p.AddRange(Probe.Problems());
        return p;
    }

    /// <summary>The spec itself when it can run; otherwise one error listing every problem.</summary>
    public ProbeSpec Checked() =>
        Problems() is { Count: > 0 } problems ? throw new ArgumentException(string.Join("; ", problems)) : this;
}
