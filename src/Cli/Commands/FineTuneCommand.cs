using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Experiment;
using VideoVCReg.Experiment.Specs;
using VideoVCReg.Experiment.Sweeps;
using VideoVCReg.Experiment.Video;
using VideoVCReg.FineTune;
using VideoVCReg.Models.Regularization;

namespace VideoVCReg.Cli.Commands;

/// <summary>
/// `videovcreg finetune`: its options mapped to a <see cref="FineTuneSpec"/>, run by <see cref="Experiments.Run"/> (or sent to
/// Slurm by <see cref="Experiments.Submit"/>). Fine-tune a video preset on an HMDB51-layout dataset (synthetic when none is given)
/// with a feature regularizer, validate every epoch, test each split with N clips × M crops, and report per split and mean.
/// </summary>
public static class FineTuneCommand
{
    public static Command Build()
    {
        var model = new Option<string>("--model") { Description = "Preset name (see 'videovcreg models')", DefaultValueFactory = _ => "videomae-s" };
        var weights = new Option<string?>("--weights") { Description = "Pretrained checkpoint (any supported layout); random weights when absent" };
        var presets = new Option<string?>("--presets") { Description = "Extra presets JSON layered over configs/models.json" };
        var frames = new Option<int?>("--frames") { Description = "Frames per clip, if not the preset's" };
        var size = new Option<int?>("--size") { Description = "Square input size, if not the preset's" };
        var outDir = new Option<string>("--out") { Description = "Run folder: split<k>/ (metrics.jsonl, checkpoint-last/best.pth, results.json) and the report over splits", DefaultValueFactory = _ => "runs/finetune" };
        var force = new Option<bool>("--force") { Description = "Replace a finished or unfinished run in --out (its splits, reports and plots are deleted first)" };
        var noTest = new Option<bool>("--no-test") { Description = "Train and validate only (a sweep's trials; the run is scored by its validation top-1 in metrics.jsonl)" };
        var slurm = new Option<bool>("--slurm") { Description = "Send the splits out as a Slurm job array (one task a split), then a job that writes the report after them" };
        var partition = new Option<string?>("--partition") { Description = "--slurm: the partition" };
        var gpus = new Option<int?>("--gpus-per-task") { Description = "--slurm: GPUs per array task" };
        var cpus = new Option<int>("--cpus-per-task") { Description = "--slurm: CPUs per array task, also its --threads (default 2)", DefaultValueFactory = _ => 2 };
        var time = new Option<string>("--time") { Description = "--slurm: time limit per task, HH:MM (default 04:00)", DefaultValueFactory = _ => "04:00" };
        var dryRun = new Option<bool>("--dry-run") { Description = "--slurm: write the scripts, do not submit" };
        var foldTask = new Option<int?>("--fold-task") { Description = "Internal: train and test only this split of the run (a Slurm array task)", Hidden = true };
        var specFile = SpecFile.Option();
        var cmd = new Command("finetune", "Fine-tune a video transformer with a feature regularizer (VCReg by default), test each split, report per split and mean")
        {
            model, weights, presets, frames, size, outDir, force, noTest, slurm, partition, gpus, cpus, time, dryRun, foldTask, specFile,
        };
        TrainCliOptions.AddTo(cmd);
        DataCliOptions.AddTo(cmd, training: true);
        RegularizerCliOptions.AddTo(cmd);
        Verb.SetAction(cmd, ctx =>
        {
            var p = ctx.Parse;
            var spec = p.GetValue(specFile) is string file ? FromFile(ctx, file) with { Force = p.GetValue(force), OnlyFold = p.GetValue(foldTask) }
                : SpecOf(p, ctx.Services, ctx.Runtime);
            spec = spec.Checked();
            var loggers = ctx.Get<ILoggerFactory>();
            if (!p.GetValue(slurm))
            {
                Experiments.Run(spec, loggers, ctx.Cancel);
                return Task.FromResult(0);
            }
            var options = new SlurmOptions(p.GetValue(partition), p.GetValue(gpus), p.GetValue(cpus), p.GetValue(time)!, p.GetValue(dryRun));
            if (options.Problems() is { Count: > 0 } problems) throw new UserInputException(string.Join("; ", problems));
            if (spec.OnlyFold is not null) throw new UserInputException("--slurm submits the array; --fold-task is one of its tasks");
            var sent = Experiments.Submit(spec, options, loggers, ctx.Cancel);
            Console.WriteLine(sent.Jobs is not { } jobs ? $"written (not submitted): {sent.ArrayScript}, {sent.ReportScript}"
                : $"submitted: array job {jobs.ArrayJob} ({sent.Splits} splits), report job {jobs.FinalJob} after it; logs in {sent.Logs}");
            return Task.FromResult(0);
        });
        return cmd;
    }

    /// <summary>
    /// The run a `finetune` command line describes: its own options, the Train, Data and Regularizer sections as the host bound
    /// them from every configuration layer, the runtime's seed and device. Checked once by the caller (as a spec file is),
    /// every problem in one line.
    /// </summary>
    static FineTuneSpec SpecOf(ParseResult p, IServiceProvider services, RuntimeOptions runtime) => new FineTuneSpec
    {
        Model = p.GetValue<string>("--model")!, Weights = p.GetValue<string?>("--weights"), Presets = p.GetValue<string?>("--presets"),
        Frames = p.GetValue<int?>("--frames"), Size = p.GetValue<int?>("--size"), OutDir = p.GetValue<string>("--out")!,
        Force = p.GetValue<bool>("--force"), SkipTest = p.GetValue<bool>("--no-test"), OnlyFold = p.GetValue<int?>("--fold-task"),
        Seed = runtime.Seed, Device = runtime.Device,
        Train = services.GetRequiredService<IOptions<TrainOptions>>().Value,
        Data = services.GetRequiredService<IOptions<DataOptions>>().Value,
        Regularizer = services.GetRequiredService<IOptions<RegularizerOptions>>().Value,
    };

    /// <summary>A spec file's run, with the device and workers typed beside it.</summary>
    static FineTuneSpec FromFile(VerbContext ctx, string file)
    {
        var spec = SpecFile.Read(ctx.Parse, file, SpecJson.Read);
        var (device, workers) = SpecFile.Typed(ctx);
        return spec with { Device = device ?? spec.Device, Data = spec.Data with { Workers = workers ?? spec.Data.Workers } };
    }

    /// <summary>The spec of a `finetune` command line, bound as the verb binds it (<see cref="SpecBinding"/>).</summary>
    internal static FineTuneSpec Bind(string[] args) => SpecBinding.Bind("finetune", args, (p, s, r) => SpecOf(p, s, r).Checked());
}
