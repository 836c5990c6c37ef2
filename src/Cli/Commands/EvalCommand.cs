using System.CommandLine;
using System.Globalization;
using TorchSharp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Decoding.Datasets;
using VideoVCReg.Eval;
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
        var cmd = new Command("eval", "Test a checkpoint on one or more splits with N clips × M crops; report per split and mean")
        {
            model, weights, presets, frames, size, batch, outDir,
        };
        DataCliOptions.AddTo(cmd, training: false);
        Verb.SetAction(cmd, ctx =>
        {
            var p = ctx.Parse;
            var data = ctx.Options<DataOptions>();
            var problems = data.Problems().ToList();
            if (data.Path is null) problems.Add("eval needs --data (Data:Path): a dataset folder");
            if (p.GetValue(batch) < 1) problems.Add("--batch-size must be ≥ 1");
            if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems));
            if (!Directory.Exists(data.Path)) throw new DirectoryNotFoundException($"{data.Path}: dataset folder not found");
            var loggers = ctx.Services.GetRequiredService<ILoggerFactory>();
            var log = loggers.CreateLogger("eval");
            var preset = ModelPresets.Get(p.GetValue(model)!, p.GetValue(presets));
            string dir = p.GetValue(outDir)!, file = p.GetValue(weights)!;
            using var folder = RunFolder.Acquire(dir);
            var outcomes = new List<SplitOutcome>();
            foreach (int split in data.SplitList())
            {
                var test = Hmdb51.Load(data.Path!, split, SplitSubset.Test);
                var loaded = PretrainedLoader.Load(preset, file, new LoadOptions(null, p.GetValue(frames), p.GetValue(size)));
                foreach (var w in loaded.Warnings) log.LogWarning("{Warning}", w);
                using var net = loaded.Model;
                if (net.Config.NumClasses != test.Classes.Count)
                    throw new InvalidDataException($"{file}: the head has {net.Config.NumClasses} classes, the dataset {test.Classes.Count}");
                net.to(ctx.Device);
                var (result, skipped) = SplitTest.Score(net, test, SplitTest.Views(net.Config, data), p.GetValue(batch), data.Workers,
                    (int)ctx.Runtime.Seed, ctx.Device, loggers.CreateLogger("loader"), ctx.Cancel);
                var resultsPath = SplitTest.WriteResults(Path.Combine(dir, $"split{split}"), new
                {
                    model = net.Config.Name, weights = file, data = data.Path, split, noise = data.Noise, test_views = $"{data.TestClips}x{data.TestCrops}",
                    test = new { result.Videos, result.Views, result.Top1, result.Top5, mean_class_accuracy = result.MeanClassAccuracy },
                    skipped_videos = skipped, predictions = result.Predictions,
                });
                Console.WriteLine(FormattableString.Invariant(
                    $"split {split} test: top-1 {result.Top1:P1}, top-5 {result.Top5:P1}, mean class {result.MeanClassAccuracy:P1} over {result.Videos} videos × {data.TestClips * data.TestCrops} views; {skipped.Count} video(s) skipped; {resultsPath}"));
                outcomes.Add(new SplitOutcome(split, result, [], []));
            }
            var title = $"{Path.GetFileName(file)}, noise σ {data.Noise.ToString(CultureInfo.InvariantCulture)}, {data.TestClips}×{data.TestCrops} views";
            var mean = SplitReport.Write(dir, title, outcomes);
            Console.WriteLine(FormattableString.Invariant(
                $"mean over {outcomes.Count} split(s): top-1 {mean.Top1:P1} ± {mean.Top1Std:P1}, top-5 {mean.Top5:P1}; {Path.Combine(dir, "report.md")}"));
            return Task.FromResult(0);
        });
        return cmd;
    }
}
