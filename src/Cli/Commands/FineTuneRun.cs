using TorchSharp;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Decoding.Datasets;
using VideoVCReg.Decoding.Loading;
using VideoVCReg.Decoding.Synthetic;
using VideoVCReg.Decoding.Transforms;
using VideoVCReg.Eval;
using VideoVCReg.FineTune;
using VideoVCReg.Models;
using VideoVCReg.Models.Checkpoints;
using VideoVCReg.Models.Regularization;

namespace VideoVCReg.Cli.Commands;

/// <summary>
/// One fine-tuning run over one or more splits. Per split, from the same starting weights: data → model →
/// <see cref="Trainer"/> → test with <see cref="Evaluator"/> → split{k}/results.json. Then the report over the
/// splits (<see cref="SplitReport"/>).
/// </summary>
sealed class FineTuneRun(VerbContext ctx, string modelName, string? weights, string? presets, int? frames, int? size, string outDir, bool force = false)
{
    readonly ILogger log = ctx.Services.GetRequiredService<ILoggerFactory>().CreateLogger("finetune");
    readonly ILogger loaderLog = ctx.Services.GetRequiredService<ILoggerFactory>().CreateLogger("loader");
    readonly TrainOptions train = ctx.Options<TrainOptions>();
    readonly DataOptions data = ctx.Options<DataOptions>();
    readonly RegularizerOptions regOptions = ctx.Options<RegularizerOptions>();
    readonly int seed = (int)ctx.Runtime.Seed;

    public int Execute()
    {
        var problems = train.Problems().Concat(data.Problems()).Concat(regOptions.Problems()).ToList();
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems));
        using var folder = RunFolder.Acquire(outDir);
        if (folder.Finished && !force)
            throw new IOException($"{outDir}: holds a finished run ({RunFolder.FinishedMarker}); use --force to replace it, or choose another --out");
        // VideoMAE's auto_resume: an unfinished run in --out continues where its last checkpoint left it.
        bool resume = folder.Unfinished && !force;
        if (force) folder.Clear();
        if (resume) log.LogInformation("{Out} holds an unfinished run: resuming it (--force starts over)", outDir);
        // The run's settings, kept beside it: a resume with other settings would silently be another run.
        var settingsPath = Path.Combine(outDir, "settings.json");
        var settings = SettingsJson(data.Path is null ? Path.Combine(outDir, "synthetic-data") : data.Path, split: null);
        if (resume && File.Exists(settingsPath) && File.ReadAllText(settingsPath) != settings)
            throw new InvalidOperationException($"{outDir}: the unfinished run there used other settings ({Trainer.SettingsDiff(File.ReadAllText(settingsPath), settings)}); repeat its options, or --force to start over");
        Models.IO.AtomicFile.WriteText(settingsPath, settings);
        string root = data.Path ?? Synthesize();
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"{root}: dataset folder not found");
        var preset = ModelPresets.Get(modelName, presets);
        var outcomes = new List<SplitOutcome>();
        foreach (int split in data.SplitList())
        {
            var dir = Path.Combine(outDir, $"split{split}");
            if (resume && File.Exists(Path.Combine(dir, "results.json")))
            {
                log.LogInformation("split {Split} finished before: its results are kept", split);
                outcomes.Add(SplitTest.ReadOutcome(dir, split));
                continue;
            }
            var last = Path.Combine(dir, "checkpoint-last.pth");
            outcomes.Add(RunSplit(root, preset, split, dir, resume && File.Exists(last) ? last : null));
        }
        var title = $"{preset.Name}{(weights is null ? " (random weights)" : "")}, {regOptions.Kind} at {regOptions.Placement}, noise σ {data.Noise.ToString(CultureInfo.InvariantCulture)}, {data.TestClips}×{data.TestCrops} views";
        var mean = SplitReport.Write(outDir, title, outcomes);
        Console.WriteLine(FormattableString.Invariant(
            $"mean over {outcomes.Count} split(s): top-1 {mean.Top1:P1} ± {mean.Top1Std:P1}, top-5 {mean.Top5:P1}; {Path.Combine(outDir, "report.md")}"));
        return 0;
    }

    SplitOutcome RunSplit(string root, ModelConfig preset, int split, string dir, string? resumeFrom)
    {
        var trainSplit = Hmdb51.Load(root, split, SplitSubset.Train);
        var testSplit = Hmdb51.Load(root, split, SplitSubset.Test);
        var (fit, val) = data.ValidationShare > 0 ? HoldOut.Split(trainSplit, data.ValidationShare, seed,
            i => Hmdb51.SourceMovie(i.Path, trainSplit.Classes[i.Label])) : (trainSplit, null);

        // A resumed split starts from its own last weights; the training state in that file does the rest.
        var loaded = PretrainedLoader.Load(preset, resumeFrom ?? weights, new LoadOptions(trainSplit.Classes.Count, frames, size, train.DropPath));
        foreach (var w in loaded.Warnings) log.LogWarning("{Warning}", w);
        using var model = loaded.Model;
        var c = model.Config;
        var (regularizer, placement) = RegularizerFactory.Create(regOptions);
        if (regularizer is not null) using (AttachedRegularizer.Attach(model, regularizer, placement)) { } // a placement without sites fails now, not after data loading
        log.LogInformation("split {Split}: {Model} ({Params:N0} parameters, {Weights}) on {Device}; {Train} training / {Val} validation / {Test} test videos, {Classes} classes; regularizer {Reg} at {Placement}",
            split, c.Name, model.ParameterCount(), loaded.Layout?.ToString() ?? "random weights", ctx.Device, fit.Count, val?.Count ?? 0, testSplit.Count,
            trainSplit.Classes.Count, regOptions.Kind, regOptions.Placement);

        var views = SplitTest.Views(c, data);
        // Repeated augmentation: each video gives RepeatedAugment views per step, so a step holds BatchSize videos.
        int perStep = train.BatchSize * train.RepeatedAugment;
        var trainLoader = new VideoLoader(fit, new ViewPipeline(views with { TrainViews = train.RepeatedAugment }, ViewMode.Train),
            new LoaderOptions(perStep, data.Workers, seed, DropLast: fit.Count * train.RepeatedAugment >= perStep), loaderLog);
        var valLoader = val is null ? null : new VideoLoader(val, new ViewPipeline(views with { TestClips = 1, TestCrops = 1 }, ViewMode.Test),
            new LoaderOptions(train.BatchSize, data.Workers, seed), loaderLog);
        var progress = new ProgressLine($"split {split}");
        var trainer = new Trainer(model, train, ctx.Device, log)
        {
            Regularization = regularizer is null ? null : (regularizer, placement),
            // The progress line is cleared before validation, so the epoch's log line that follows starts on a clean line.
            Validate = valLoader is null ? null : (epoch, cancel) => { progress.Clear(); return Evaluator.Run(model, valLoader.Epoch(epoch, cancel), ctx.Device, cancel).Metrics(); },
            SaveCheckpoint = (path, state) => CheckpointWriter.Save(model, path, state),
            Settings = SettingsJson(root, split),
            Seed = seed,
            TensorBoardDir = Path.Combine(dir, "tensorboard"),
            // Cleared at an epoch's last step: the epoch's log line comes next and must start on a clean line.
            OnStep = p => { if (p.Step == p.StepsPerEpoch) progress.Clear(); else progress.Show(ProgressLine.Format(p)); },
        };
        var epochs = trainer.Fit(new TrainData((e, cancel) => trainLoader.Epoch(e, cancel), trainLoader.BatchesPerEpoch()), dir, ctx.Cancel, resumeFrom);
        progress.Clear();

        // --test-weights best: the weights of the best validation epoch, read back from checkpoint-best.pth.
        var best = Path.Combine(dir, "checkpoint-best.pth");
        bool useBest = train.TestWeights == "best" && File.Exists(best);
        if (train.TestWeights == "best" && !useBest)
            log.LogWarning("split {Split}: no checkpoint-best.pth (no validation share?): testing the final weights", split);
        using var bestModel = useBest ? PretrainedLoader.Load(preset, best, new LoadOptions(trainSplit.Classes.Count, frames, size)).Model : null;
        bestModel?.to(ctx.Device);
        var (result, testSkipped) = SplitTest.Score(bestModel ?? model, testSplit, views, train.BatchSize, data.Workers, seed, ctx.Device, loaderLog, ctx.Cancel);
        var skipped = trainLoader.SkippedVideos.Concat(valLoader?.SkippedVideos ?? new Dictionary<string, string>()).Concat(testSkipped)
            .GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.First().Value);
        var summary = new
        {
            model = c.Name, weights, tested_weights = useBest ? "best validation top-1 (checkpoint-best.pth)" : "final (checkpoint-last.pth)", data = root, split, epochs = epochs.Count,
            regularizer = regOptions, noise = data.Noise, test_views = $"{data.TestClips}x{data.TestCrops}",
            test = new { result.Videos, result.Views, result.Top1, result.Top5, mean_class_accuracy = result.MeanClassAccuracy },
            final_train_loss = epochs[^1].TrainLoss, skipped_videos = skipped,
            predictions = result.Predictions,
        };
        var resultsPath = SplitTest.WriteResults(dir, summary);
        Console.WriteLine(FormattableString.Invariant(
            $"split {split} test: top-1 {result.Top1:P1}, top-5 {result.Top5:P1}, mean class {result.MeanClassAccuracy:P1} over {result.Videos} videos × {data.TestClips * data.TestCrops} views; {skipped.Count} video(s) skipped; {resultsPath}"));
        return new SplitOutcome(split, result, [.. epochs.Select(e => e.TrainLoss)],
            [.. epochs.Select(e => e.Validation.TryGetValue("top1", out var t) ? t : (double?)null)]);
    }

    /// <summary>
    /// What decides a run's numbers, as JSON: a resume with any of it changed would be a different run. Workers
    /// and threads are left out: batches do not depend on the worker count, and a resume may use other hardware.
    /// </summary>
    string SettingsJson(string root, int? split) => JsonSerializer.Serialize(new SortedDictionary<string, object?>
    {
        ["model"] = modelName, ["weights"] = weights, ["frames"] = frames, ["size"] = size, ["data"] = Path.GetFullPath(root), ["split"] = split, ["splits"] = data.Split,
        ["seed"] = seed, ["train"] = train, ["regularizer"] = regOptions,
        ["views"] = new { data.SamplingRate, data.ValidationShare, data.Noise, data.TestClips, data.TestCrops, data.SynthClasses, data.SynthVideosPerClass },
    });

    /// <summary>The synthetic motion dataset, written once under the run folder and reused by later runs with the same settings.</summary>
    string Synthesize()
    {
        var root = Path.Combine(outDir, "synthetic-data");
        var marker = Path.Combine(root, ".complete");
        var stamp = $"{data.SynthClasses} {data.SynthVideosPerClass} {seed}";
        if (File.Exists(marker) && File.ReadAllText(marker) == stamp) return root;
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true); // other settings, or an interrupted write
        log.LogInformation("no --data: writing the synthetic motion dataset ({Classes} classes × {PerClass} videos) to {Root}", data.SynthClasses, data.SynthVideosPerClass, root);
        SyntheticDataset.Write(root, new SynthOptions(data.SynthClasses, data.SynthVideosPerClass, seed), cancel: ctx.Cancel);
        File.WriteAllText(marker, stamp);
        return root;
    }
}
