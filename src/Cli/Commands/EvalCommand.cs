using System.CommandLine;
using System.Globalization;
using TorchSharp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Experiment;
using VideoVCReg.Experiment.Video;
using VideoVCReg.FineTune;
using VideoVCReg.Models;
using VideoVCReg.Models.Checkpoints;

namespace VideoVCReg.Cli.Commands;

/// <summary>
/// `videovcreg eval`: a checkpoint on the test videos of one or more splits with N clips × M crops, and the
/// report over the splits (per split and mean), as `finetune` ends.
/// </summary>
public static class EvalCommand
{
    public static Command Build()
    {
        var model = new Option<string>("--model") { Description = "Preset name (see 'videovcreg models')", DefaultValueFactory = _ => "videomae-s" };
        var weights = new Option<string>("--weights") { Description = "Checkpoint to test (any supported layout); its head must fit the dataset's classes", Required = true };
        var presets = new Option<string?>("--presets") { Description = "Extra presets JSON layered over configs/models.json" };
        var frames = new Option<int?>("--frames") { Description = "Frames per clip, if not the checkpoint's" };
        var size = new Option<int?>("--size") { Description = "Square input size, if not the checkpoint's" };
        var batch = new Option<int>("--batch-size") { Description = "Views per forward pass", DefaultValueFactory = _ => 8 };
        var outDir = new Option<string>("--out") { Description = "Folder for split<k>/results.json and the report", DefaultValueFactory = _ => "runs/eval" };
        var force = new Option<bool>("--force") { Description = "Replace a run (an evaluation, or a training run) already in --out; without it such a folder is refused" };
        var cmd = new Command("eval", "Test a checkpoint on one or more splits with N clips × M crops; report per split and mean")
        {
            model, weights, presets, frames, size, batch, outDir, force,
        };
        DataCliOptions.AddTo(cmd, training: false);
        Verb.SetAction(cmd, ctx =>
        {
            var p = ctx.Parse;
            var data = ctx.Options<DataOptions>();
            var problems = data.Problems().ToList();
            if (data.Path is null) problems.Add($"eval needs --data (Data:Path): {VideoVCReg.Decoding.Datasets.DatasetSpec.Accepted}");
            if (p.GetValue(batch) < 1) problems.Add("--batch-size must be ≥ 1");
            if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems));
            if (data.Dataset() is { } spec && !Directory.Exists(spec.Dir)) throw new DirectoryNotFoundException($"{spec.Dir}: dataset folder not found");
            var loggers = ctx.Services.GetRequiredService<ILoggerFactory>();
            var log = loggers.CreateLogger("eval");
            var preset = ModelPresets.Get(p.GetValue(model)!, p.GetValue(presets));
            string dir = p.GetValue(outDir)!, file = p.GetValue(weights)!;
            var source = new VideoSplits(data, null, (int)ctx.Runtime.Seed, loggers.CreateLogger("loader"));
            var runner = new ExperimentRunner(new ExperimentOptions
            {
                OutDir = dir, Force = p.GetValue(force), Train = new TrainOptions { BatchSize = p.GetValue(batch) }, Seed = (int)ctx.Runtime.Seed, Device = ctx.Device,
                Title = $"{Path.GetFileName(file)}, noise σ {data.Noise.ToString(CultureInfo.InvariantCulture)}, {data.TestClips}×{data.TestCrops} views",
                ResultFields = new Dictionary<string, object?>
                {
                    ["weights"] = file, ["data"] = data.Path, ["noise"] = data.Noise, ["test_views"] = $"{data.TestClips}x{data.TestCrops}",
                },
            }, loggers, ctx.Cancel);
            runner.Test(source, (classes, _) =>
            {
                var built = PresetModels.Build(preset, file, new LoadOptions(null, p.GetValue(frames), p.GetValue(size)), log);
                long head = built.Model.Classes;
                if (head != classes)
                {
                    built.Model.Dispose();
                    throw new InvalidDataException($"{file}: the head has {head} classes, the dataset {classes}");
                }
                return built;
            });
            return Task.FromResult(0);
        });
        return cmd;
    }
}
