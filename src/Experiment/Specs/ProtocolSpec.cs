using System.Globalization;
using VideoVCReg.Experiment.Images;
using VideoVCReg.Experiment.Probe;
using VideoVCReg.Experiment.Protocols;
using VideoVCReg.Experiment.Video;
using VideoVCReg.FineTune;
using VideoVCReg.Models.Regularization;

namespace VideoVCReg.Experiment.Specs;

/// <summary>
/// Everything a `protocol transfer|long-tail|hierarchical` run is: which protocol (<see cref="Protocol"/>), the image
/// backbone preset, the pretraining set (and the transfer's downstream sets and objective, the long tail's imbalance), the
/// rows compared and the seeds, the probe's solver and settings, the α/β selection grid, the recipe, data and regularizer
/// sections, the seed and device, and the protocol folder. Bound and checked once like <see cref="FineTuneSpec"/>;
/// <see cref="Experiments.Run(ProtocolSpec, Microsoft.Extensions.Logging.ILoggerFactory, CancellationToken)"/> runs it.
/// </summary>
public sealed record ProtocolSpec
{
    public const string Transfer = "transfer", LongTail = "long-tail", Hierarchical = "hierarchical";
    public static readonly IReadOnlyList<string> Protocols = [Transfer, LongTail, Hierarchical];

    /// <summary>transfer (Table 1), long-tail (Table 3) or hierarchical (Table 5).</summary>
    public required string Protocol { get; init; }
    public string Arch { get; init; } = "resnet32";
    public string? ArchPresets { get; init; }
    /// <summary>The pretraining set (`--data`).</summary>
    public string Source { get; init; } = CifarSource.Synthetic;
    /// <summary>transfer: the downstream sets probed.</summary>
    public IReadOnlyList<string> Downstream { get; init; } = [CifarSource.SyntheticDownstream];
    /// <summary>transfer: the pretraining objective, projector and temperature.</summary>
    public string Objective { get; init; } = ImagePretrainSpec.Supervised;
    public string? Projector { get; init; }
    public double Temperature { get; init; } = 0.1;
    /// <summary>long-tail: the imbalance ratio R.</summary>
    public double Imbalance { get; init; } = 100;
    /// <summary>The rows compared (`--regs`), one pretraining each; the first is the baseline.</summary>
    public IReadOnlyList<string> Regularizers { get; init; } = ["none", "vcreg"];
    public int Seeds { get; init; } = 3;
    /// <summary>The probe's solver, its λ count (lbfgs) and epochs (adamw).</summary>
    public required string Solver { get; init; }
    public int Lambdas { get; init; } = 45;
    public int ProbeEpochs { get; init; } = 100;
    public required string OutDir { get; init; }
    public bool Force { get; init; }
    /// <summary>`--select-alpha` and `--select-beta` as typed (comma-separated numbers); null: the preset's value.</summary>
    public string? SelectAlpha { get; init; }
    public string? SelectBeta { get; init; }
    public double SelectShare { get; init; } = 0.1;
    public string SelectOn { get; init; } = "top1";
    public long Seed { get; init; }
    public string Device { get; init; } = "auto";
    public TrainOptions Train { get; init; } = new();
    public DataOptions Data { get; init; } = new();
    public RegularizerOptions Regularizer { get; init; } = new();

    /// <summary>The table's file name in <see cref="OutDir"/>, without extension: transfer, long_tail, hierarchical.</summary>
    public string TableName => Protocol.Replace('-', '_');

    /// <summary>The probe's settings beyond the solver; the protocol sets its folder per probe.</summary>
    public ProbeOptions Probe() => new() { OutDir = "", Solver = Solver, LambdaCount = Lambdas, Epochs = ProbeEpochs, EpochsOption = "--probe-epochs" };

    /// <summary>The α/β selection grid (numbers that do not parse are left out: <see cref="Problems"/> names them).</summary>
    public GridSelection Selection() => new(Values(SelectAlpha, "--select-alpha", []), Values(SelectBeta, "--select-beta", []), SelectShare, SelectOn);

    /// <summary>Every problem of the spec, one line each; empty when it can run.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>([.. Train.Problems(), .. Regularizer.Problems(), .. Probe().Problems(), .. Data.Problems()]);
        if (!Protocols.Contains(Protocol)) problems.Add($"the protocol must be one of {string.Join(", ", Protocols)} (got '{Protocol}')");
        if (ImageSources.Problem(Source) is string bad) problems.Add(bad);
        var kinds = Regularizers;
        if (kinds.Count == 0) problems.Add("--regs names no regularizer");
        foreach (var k in kinds) if (ProtocolRows.Problem(k) is string rowBad) problems.Add(rowBad);
        if (Seeds < 1 || Seeds > 100) problems.Add($"--seeds must be in 1..100 (got {Seeds})");
        if (kinds.Distinct().Count() != kinds.Count) problems.Add("--regs names a regularizer twice");
        var selection = new GridSelection(Values(SelectAlpha, "--select-alpha", problems), Values(SelectBeta, "--select-beta", problems), SelectShare, SelectOn);
        problems.AddRange(selection.Problems());
        if (selection.Any && !kinds.Any(k => k.StartsWith("vcreg"))) problems.Add("--select-alpha/--select-beta choose a vcreg row's weights, and --regs names none");
        if (Protocol == Transfer)
        {
            var image = new ImagePretrainSpec(null!, Source, Objective: Objective, Projector: Projector, Temperature: Temperature);
            if (image.Problem() is string sslBad) problems.Add(sslBad);
            if (Downstream.Count == 0) problems.Add("--downstream names no set");
            foreach (var s in Downstream) if (ImageSources.Problem(s) is string setBad) problems.Add(setBad.Replace("--data", "--downstream"));
        }
        if (Protocol == LongTail && !(Imbalance >= 1 && double.IsFinite(Imbalance))) problems.Add($"--imbalance must be a finite ratio ≥ 1 (got {Imbalance})");
        return problems;
    }

    /// <summary>The spec itself when it can run; otherwise one error listing every problem, so a user fixes them in one go.</summary>
    public ProtocolSpec Checked() =>
        Problems() is { Count: > 0 } problems ? throw new ArgumentException(string.Join("; ", problems)) : this;

    /// <summary>A comma-separated list of numbers; each one that is not a number is a problem naming <paramref name="option"/>.</summary>
    static IReadOnlyList<double> Values(string? list, string option, List<string> problems)
    {
        var values = new List<double>();
        if (list is null) return values;
        foreach (var part in list.Split(',', StringSplitOptions.TrimEntries))
            if (double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) values.Add(v);
            else problems.Add($"{option}: '{part}' is not a number");
        return values;
    }
}
