using VideoVCReg.FineTune;
using VideoVCReg.Models.Regularization;
using VideoVCReg.Runtime.Distributed;
using static TorchSharp.torch;

namespace VideoVCReg.Experiment;

/// <summary>
/// How an experiment runs, whatever the data and the model: the run folder, the loop's recipe, the regularizer,
/// the seed and device, and what the verb wants recorded. settings.json is <see cref="Spec"/> serialised, with
/// <see cref="Resolved"/> beside it: a resume with any of it changed is refused (<see cref="FineTune.RunSettings"/>).
/// <see cref="ResultFields"/> are copied into every fold's results.json.
/// </summary>
public sealed record ExperimentOptions
{
    public required string OutDir { get; init; }
    /// <summary>Replace a finished or unfinished run in <see cref="OutDir"/>; otherwise finished is refused, unfinished resumed.</summary>
    public bool Force { get; init; }
    /// <summary>A finished run with the same settings is kept and its outcomes returned, as a cache (a pretraining step's weights).</summary>
    public bool ReuseFinished { get; init; }
    /// <summary>Train and validate only, no test (a sweep's trials are scored on validation; the test is the final run's).</summary>
    public bool SkipTest { get; init; }
    public TrainOptions Train { get; init; } = new();
    public RegularizerOptions Regularizer { get; init; } = new();
    public int Seed { get; init; }
    public Device Device { get; init; } = CPU;
    /// <summary>The report's title line.</summary>
    public string Title { get; init; } = "";
    /// <summary>
    /// The spec this run is (<see cref="Specs.FineTuneSpec"/>, <see cref="Specs.PretrainSpec"/>), whose
    /// <see cref="Specs.IRunSpec.Train"/>, regularizer and seed must be this run's; null: a run without one (the tests'
    /// toy sources) records its recipe, regularizer and seed alone.
    /// </summary>
    public Specs.IRunSpec? Spec { get; init; }
    /// <summary>What the spec resolved to here, recorded beside it (a preset's values, a default projector).</summary>
    public IReadOnlyDictionary<string, object?> Resolved { get; init; } = new Dictionary<string, object?>();
    public IReadOnlyDictionary<string, object?> ResultFields { get; init; } = new Dictionary<string, object?>();
    /// <summary>
    /// Train and test this fold only, as one task of a Slurm array (`finetune --slurm`): the fold's folder is locked instead of
    /// the run's, and no report is written; the run's own command, run afterwards, finds every fold done and writes it.
    /// </summary>
    public int? OnlyFold { get; init; }
    /// <summary>The processes of a data-parallel run (mpirun -np N): this process's world by default.</summary>
    public ProcessGroup Group { get; init; } = ProcessGroup.World;
}

/// <summary>Builds a fold's network for <c>classes</c> classes, from the run's starting weights (<c>from</c> null) or from one of its checkpoints.</summary>
public delegate BuiltModel ModelFactory(int classes, string? from);

/// <summary>A network with its name and where its weights came from ("random weights", a checkpoint layout).</summary>
/// <param name="Objective">What training minimises for this model; null: classification.</param>
public sealed record BuiltModel(Models.Network Model, string Name, string Origin, FineTune.Objectives.ITrainingObjective? Objective = null);

/// <summary>One fold's outcome: its folder, the epochs trained, and the test result when the data has a test set.</summary>
public sealed record FoldOutcome(int Fold, string Dir, IReadOnlyList<EpochRecord> Epochs, Eval.SplitOutcome? Tested);
