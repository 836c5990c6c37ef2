using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Experiment;
using VideoVCReg.Experiment.Video;
using VideoVCReg.FineTune;
using VideoVCReg.Models;
using VideoVCReg.Models.Checkpoints;
using VideoVCReg.Models.Regularization;
using VideoVCReg.Runtime.IO;

namespace VideoVCReg.Cli.Commands;

/// <summary>
/// `finetune` as the experiment layer sees it: the HMDB51-layout splits as the data source, the preset (with
/// any starting weights) as the model factory, and the options bound from the command line and configuration.
/// </summary>
sealed class FineTuneRun(VerbContext ctx, string modelName, string? weights, string? presets, int? frames, int? size, string outDir, bool force = false, bool skipTest = false)
{
    /// <summary>--fold-task K: this split only, as one task of the Slurm array <see cref="Submit"/> wrote.</summary>
    public int? OnlyFold { get; init; }

    public int Execute()
    {
        var (runner, source, build) = Prepare();
        runner.Run(source, build);
        return 0;
    }

    /// <summary>
    /// `finetune --slurm`: the data written once and a finished run refused (or cleared with --force) here, then an sbatch job
    /// array with one task a split (`finetune ... --fold-task K`, resumable, requeued on pre-emption) and, after it
    /// (afterok), the run's own command, which finds every split done and writes the report over them.
    /// </summary>
    public int Submit(VideoVCReg.Experiment.Sweeps.SlurmOptions slurm, IReadOnlyList<string> args)
    {
        var (runner, source, build) = Prepare();
        runner.PrepareForTasks(source, build);
        var dir = Path.GetFullPath(outDir);
        Directory.CreateDirectory(Path.Combine(dir, "logs"));
        var self = VideoVCReg.Experiment.Sweeps.SlurmScript.SelfCommand();
        // args: the global options, `finetune`, its options (FineTuneCommand.TaskArgs).
        string Command(string extra) => $"{self} --threads {slurm.CpusPerTask} {string.Join(' ', args.Select(VideoVCReg.Experiment.Sweeps.SlurmScript.Word))}{extra}";
        var array = VideoVCReg.Experiment.Sweeps.SlurmScript.Script("videovcreg-splits", Path.Combine(dir, "logs", "split-%a.out"), slurm,
            string.Join(',', source.Folds), Command(" --fold-task \"$SLURM_ARRAY_TASK_ID\""));
        var report = VideoVCReg.Experiment.Sweeps.SlurmScript.Script("videovcreg-report", Path.Combine(dir, "logs", "report.out"), slurm, null, Command(""));
        var arrayPath = Path.Combine(dir, "splits.sbatch");
        var reportPath = Path.Combine(dir, "report.sbatch");
        AtomicFile.WriteText(arrayPath, array);
        AtomicFile.WriteText(reportPath, report);
        if (slurm.DryRun)
        {
            Console.WriteLine($"written (not submitted): {arrayPath}, {reportPath}");
            return 0;
        }
        var jobs = VideoVCReg.Experiment.Sweeps.SlurmScript.Submit(dir, arrayPath, reportPath, "slurm.json");
        Console.WriteLine($"submitted: array job {jobs.ArrayJob} ({source.Folds.Count} splits), report job {jobs.FinalJob} after it; logs in {Path.Combine(dir, "logs")}");
        return 0;
    }

    (ExperimentRunner Runner, VideoSplits Source, ModelFactory Build) Prepare()
    {
        var loggers = ctx.Services.GetRequiredService<ILoggerFactory>();
        var log = loggers.CreateLogger("finetune");
        var train = ctx.Options<TrainOptions>();
        var data = ctx.Options<DataOptions>();
        var reg = ctx.Options<RegularizerOptions>();
        var problems = train.Problems().Concat(data.Problems()).Concat(reg.Problems()).ToList();
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems));
        var preset = ModelPresets.Get(modelName, presets);
        int seed = (int)ctx.Runtime.Seed;
        var source = new VideoSplits(data, outDir, seed, loggers.CreateLogger("loader"));
        var runner = new ExperimentRunner(new ExperimentOptions
        {
            OutDir = outDir, Force = force, SkipTest = skipTest, OnlyFold = OnlyFold, Train = train, Regularizer = reg, Seed = seed, Device = ctx.Device,
            Title = $"{preset.Name}{(weights is null ? " (random weights)" : "")}, {reg.Kind} at {reg.Placement}, noise σ {data.Noise.ToString(CultureInfo.InvariantCulture)}, {data.TestClips}×{data.TestCrops} views",
            Settings = new Dictionary<string, object?>
            {
                ["model"] = modelName, ["weights"] = weights, ["frames"] = frames, ["size"] = size,
                ["views"] = new { data.SamplingRate, data.ValidationShare, data.Noise, data.TestClips, data.TestCrops, data.SynthClasses, data.SynthVideosPerClass, data.SceneColourJitter,
                    data.Flip, data.RandAugment, data.CropMinArea },
            },
            ResultFields = new Dictionary<string, object?>
            {
                ["weights"] = weights, ["data"] = source.Root, ["noise"] = data.Noise, ["test_views"] = $"{data.TestClips}x{data.TestCrops}",
            },
        }, loggers, ctx.Cancel);
        return (runner, source, (classes, from) => Build(preset, from ?? weights, new LoadOptions(classes, frames, size, train.DropPath, KeepFloat64: train.Precision == "float64"), log));
    }

    /// <summary>The preset with its weights (any supported layout, or random), loader warnings logged.</summary>
    internal static BuiltModel Build(ModelConfig preset, string? weights, LoadOptions options, ILogger log)
    {
        var loaded = PretrainedLoader.Load(preset, weights, options);
        foreach (var w in loaded.Warnings) log.LogWarning("{Warning}", w);
        return new BuiltModel(loaded.Model, loaded.Model.Config.Name, loaded.Layout?.ToString() ?? "random weights");
    }
}
