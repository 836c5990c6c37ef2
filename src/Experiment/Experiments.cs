using System.Globalization;
using Microsoft.Extensions.Logging;
using TorchSharp;
using VideoVCReg.Experiment.Specs;
using VideoVCReg.Experiment.Sweeps;
using VideoVCReg.Experiment.Video;
using VideoVCReg.Models;
using VideoVCReg.Models.Checkpoints;

namespace VideoVCReg.Experiment;

/// <summary>What `finetune --slurm` wrote, and the jobs when they were submitted (null for a dry run).</summary>
public sealed record Submission(string ArrayScript, string ReportScript, int Splits, string Logs, SlurmJobs? Jobs);

/// <summary>
/// The one entry of a fine-tuning experiment: a <see cref="FineTuneSpec"/> becomes the HMDB51-layout splits as the data
/// source, the preset with its weights as the model factory, and the <see cref="ExperimentRunner"/> over them. The verb
/// `finetune`, a sweep's trials and its final runs all come here.
/// </summary>
public static partial class Experiments
{
    /// <summary>Trains (or resumes) and tests every split of the spec's run folder; the outcomes in split order.</summary>
    public static IReadOnlyList<FoldOutcome> Run(FineTuneSpec spec, ILoggerFactory loggers, CancellationToken cancel)
    {
        // The spec's seed decides the random weights and draws: a trial run in a sweep's process draws what its own process would.
        torch.manual_seed(spec.Seed);
        var (runner, source, build) = Prepare(spec, loggers, cancel);
        return runner.Run(source, build);
    }

    /// <summary>
    /// `finetune --slurm`: the data written once and a finished run refused (or cleared with --force) here, the spec kept as
    /// OUT/spec.json, then an sbatch job array with one task a split (`finetune --spec OUT/spec.json --fold-task K`,
    /// resumable, requeued on pre-emption) and, after it (afterok), `finetune --spec OUT/spec.json`, which finds every split
    /// done and writes the report over them. The jobs run the spec bound here: a --config file edited or an environment
    /// changed while they wait in the queue changes nothing.
    /// </summary>
    public static Submission Submit(FineTuneSpec spec, SlurmOptions slurm, ILoggerFactory loggers, CancellationToken cancel)
    {
        var (runner, source, build) = Prepare(spec, loggers, cancel);
        runner.PrepareForTasks(source, build);
        var dir = Path.GetFullPath(spec.OutDir);
        // --force was carried out here: in a task it would delete the other splits' work.
        var specPath = Path.Combine(dir, SpecJson.FileName);
        VideoVCReg.Runtime.IO.AtomicFile.WriteText(specPath, SpecJson.Write(spec with { OutDir = dir, Force = false, OnlyFold = null }));
        var (array, report) = SlurmScript.WriteSplits(dir, source.Folds, slurm, SlurmScript.SelfCommand(), ["finetune", "--spec", specPath]);
        var jobs = slurm.DryRun ? null : SlurmScript.Submit(dir, array, report, "slurm.json");
        return new Submission(array, report, source.Folds.Count, Path.Combine(dir, "logs"), jobs);
    }

    static (ExperimentRunner Runner, VideoSplits Source, ModelFactory Build) Prepare(FineTuneSpec spec, ILoggerFactory loggers, CancellationToken cancel)
    {
        var log = loggers.CreateLogger("finetune");
        var (data, reg, train, weights) = (spec.Data, spec.Regularizer, spec.Train, spec.Weights);
        var preset = ModelPresets.Get(spec.Model, spec.Presets);
        int seed = (int)spec.Seed;
        var source = new VideoSplits(data, spec.OutDir, seed, loggers.CreateLogger("loader"));
        var runner = new ExperimentRunner(new ExperimentOptions
        {
            OutDir = spec.OutDir, Force = spec.Force, SkipTest = spec.SkipTest, OnlyFold = spec.OnlyFold, Train = train, Regularizer = reg, Seed = seed,
            Device = VideoVCReg.Runtime.TorchDevice.Resolve(spec.Device),
            Title = $"{preset.Name}{(weights is null ? " (random weights)" : "")}, {reg.Kind} at {reg.Placement}, noise σ {data.Noise.ToString(CultureInfo.InvariantCulture)}, {data.TestClips}×{data.TestCrops} views",
            Spec = spec, Resolved = RunInputs.Resolved(preset, weights),
            ResultFields = new Dictionary<string, object?>
            {
                ["weights"] = weights, ["data"] = source.Root, ["noise"] = data.Noise, ["test_views"] = $"{data.TestClips}x{data.TestCrops}",
            },
        }, loggers, cancel);
        return (runner, source, (classes, from) => PresetModels.Build(preset, from ?? weights,
            new LoadOptions(classes, spec.Frames, spec.Size, train.DropPath, KeepFloat64: train.Precision == "float64"), log));
    }
}
