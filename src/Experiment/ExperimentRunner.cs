using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VideoVCReg.Eval;
using VideoVCReg.FineTune;
using VideoVCReg.Models.Checkpoints;
using TorchSharp;
using VideoVCReg.Runtime.IO;
using VideoVCReg.Models.Regularization;
using VideoVCReg.Runtime.Distributed;

namespace VideoVCReg.Experiment;

/// <summary>
/// The experiment layer: train, validate and test a model over every fold of a data source, in a run folder
/// that is locked, resumed when unfinished and refused when finished (<see cref="RunFolder"/>). Per fold, from
/// the same starting weights: model → <see cref="Trainer"/> (per-epoch validation, checkpoints, metrics.jsonl,
/// TensorBoard) → multi-view test with <see cref="Evaluator"/> → fold{k}/results.json; then the report over the
/// folds (<see cref="SplitReport"/>). Verbs (`finetune`, `eval`, `pretrain`) and array tasks call this, never
/// a loop of their own. Folds are written as <c>split{k}</c>, the name the official splits give them.
/// Data parallel (<see cref="ExperimentOptions.Group"/> of N processes): every rank trains and scores its share; rank 0
/// alone holds the folder, decides fresh / resume / reuse and writes; the others follow its decision.
/// </summary>
public sealed class ExperimentRunner(ExperimentOptions given, ILoggerFactory? loggers = null, CancellationToken cancel = default)
{
    readonly ILogger log = (loggers ?? NullLoggerFactory.Instance).CreateLogger("experiment");
    // Each process learns its share from here: the data sources shard their loaders by these.
    readonly ExperimentOptions options = SpecAgrees(given) with { Train = given.Train with { Rank = given.Group.Rank, Ranks = given.Group.Size } };
    ProcessGroup Group => options.Group;

    const int Fresh = 0, Resume = 1, Reused = 2;

    /// <summary>Trains (or resumes) and tests every fold; returns the outcomes in fold order.</summary>
    public IReadOnlyList<FoldOutcome> Run(IDataSource source, ModelFactory factory)
    {
        string outDir = options.OutDir;
        if (options.OnlyFold is int only) return [RunOnlyFold(source, factory, only)];
        using var folder = Group.IsWriter ? RunFolder.Acquire(outDir) : null;
        // Rank 0 decides and prepares; the others wait for its decision (an error on rank 0 aborts them all: see Program).
        int state = folder is null ? Fresh : Decide(folder, source, factory);
        state = Group.Broadcast(state);
        if (folder is null) source.Prepare(outDir, cancel);
        if (state == Reused) return [.. source.Folds.Select(f => FoldResults.Read(Path.Combine(outDir, $"split{f}"), f))];
        bool resume = state == Resume;
        // Which folds finished before is read once, before any rank can write this run's results.
        var done = source.Folds.Where(f => resume && File.Exists(Path.Combine(outDir, $"split{f}", "results.json"))).ToHashSet();

        var outcomes = new List<FoldOutcome>();
        foreach (int fold in source.Folds)
        {
            var dir = Path.Combine(outDir, $"split{fold}");
            if (done.Contains(fold))
            {
                log.LogInformation("split {Split} finished before: its results are kept", fold);
                outcomes.Add(FoldResults.Read(dir, fold));
                continue;
            }
            outcomes.Add(RunFold(source, factory, fold, dir, resume ? ResumePoint(dir) : null));
        }
        if (Group.IsWriter) Report(outcomes);
        return outcomes;
    }

    /// <summary>
    /// One fold of the run as an array task: the fold folder's lock (tasks of other folds run at the same time), the run's
    /// settings (written by the first task, the same text from each; other settings are refused), resume or skip as the
    /// whole run would. The submitter prepared the data beforehand, so tasks never write it at once.
    /// </summary>
    FoldOutcome RunOnlyFold(IDataSource source, ModelFactory factory, int fold)
    {
        string outDir = options.OutDir;
        if (!source.Folds.Contains(fold))
            throw new ArgumentException($"split {fold} is not one of this run's splits ({string.Join(", ", source.Folds)})");
        // The run folder too, shared with the other splits' tasks: holding only the split folder let a `finetune --force` on
        // the same --out clear that split under the running task, and both went on.
        using var run = Group.IsWriter ? RunFolder.Share(outDir) : null;
        if (File.Exists(Path.Combine(outDir, RunFolder.FinishedMarker))) throw RunFolder.FinishedRefusal(outDir);
        var dir = Path.Combine(outDir, $"split{fold}");
        using var folder = Group.IsWriter ? RunFolder.Acquire(dir) : null;
        var settingsPath = Path.Combine(outDir, RunSettings.FileName);
        var settings = SettingsJson(source, fold: null);
        if (Group.IsWriter)
        {
            RunSettings.RequireSame(outDir, settings);
            if (!File.Exists(settingsPath)) AtomicFile.WriteText(settingsPath, settings);
        }
        Group.Barrier();
        source.Prepare(outDir, cancel);
        if (File.Exists(Path.Combine(dir, "results.json")))
        {
            log.LogInformation("split {Split} finished before: its results are kept", fold);
            return FoldResults.Read(dir, fold);
        }
        return RunFold(source, factory, fold, dir, ResumePoint(dir));
    }

    /// <summary>
    /// The checkpoint an unfinished fold resumes from; null when it starts over. Without a checkpoint-last.pth, a fold whose
    /// metrics record at most one epoch starts over: its best or averaged checkpoint, if any, came from that same first
    /// epoch, killed between those writes and the last one (the loop writes best and EMA first), whose state is lost anyway.
    /// With more recorded epochs checkpoint-last.pth was there once (each epoch replaces it atomically), so it was removed
    /// or damaged, and a fresh start would overwrite the best weights of earlier epochs: refused.
    /// </summary>
    static string? ResumePoint(string dir)
    {
        var last = Path.Combine(dir, "checkpoint-last.pth");
        if (File.Exists(last)) return last;
        if (Directory.Exists(last))
            throw new IOException($"{dir}: checkpoint-last.pth is a folder, so the unfinished run there cannot resume; --force starts it over (or choose another --out)");
        var metrics = Path.Combine(dir, "metrics.jsonl");
        int epochs = File.Exists(metrics) ? File.ReadLines(metrics).Count(l => l.Trim().Length > 0) : 0;
        if (epochs <= 1) return null;
        throw new IOException($"{dir}: the unfinished run there recorded {epochs} epochs but checkpoint-last.pth is missing, so it cannot resume; --force starts it over (or choose another --out)");
    }

    /// <summary>Whether a fold folder holds saved weights or results that a fresh start would overwrite.</summary>
    static bool HasProgress(string dir) =>
        new[] { "checkpoint-last.pth", "checkpoint-best.pth", "checkpoint-ema.pth", "results.json" }.Any(f => Path.Exists(Path.Combine(dir, f)));

    /// <summary>
    /// What a submitter does before its array tasks start: refuse a finished run (or clear it with --force) and write the
    /// data once (a synthetic set), holding the run folder's lock meanwhile.
    /// </summary>
    public void PrepareForTasks(IDataSource source, ModelFactory factory)
    {
        using var folder = RunFolder.Acquire(options.OutDir);
        folder.Claim(options.OutDir, options.Force, () => Preflight(source, factory));
        var settingsPath = Path.Combine(options.OutDir, RunSettings.FileName);
        var settings = SettingsJson(source, fold: null);
        RunSettings.RequireSame(options.OutDir, settings);
        // Written here, once: array tasks that start together then only compare it.
        AtomicFile.WriteText(settingsPath, settings);
        source.Prepare(options.OutDir, cancel);
    }

    /// <summary>Rank 0's part of starting a run: refuse, reuse, resume or start over, then the settings and the data.</summary>
    int Decide(RunFolder folder, IDataSource source, ModelFactory factory)
    {
        string outDir = options.OutDir;
        var settingsPath = Path.Combine(outDir, RunSettings.FileName);
        var settings = SettingsJson(source, fold: null);
        if (folder.Finished && options.ReuseFinished && !options.Force && File.Exists(settingsPath) && File.ReadAllText(settingsPath) == settings)
        {
            log.LogInformation("{Out} holds a finished run with these settings: reusing it", outDir);
            return Reused;
        }
        if (folder.Finished && options.ReuseFinished && !options.Force)
            throw RunSettings.NotReused(outDir, File.Exists(settingsPath) ? File.ReadAllText(settingsPath) : null, settings);
        // VideoMAE's auto_resume: an unfinished run in the folder continues where its last checkpoint left it.
        bool resume = folder.Unfinished && !options.Force;
        folder.Claim(outDir, options.Force, () => Preflight(source, factory));
        if (resume && !Directory.EnumerateDirectories(outDir, "split*").Any(HasProgress))
        {
            // Stopped before any weights were saved (a failure in the first epoch, a kill): nothing there to keep, so other
            // settings may start afresh.
            log.LogInformation("{Out} holds a run that saved no weights: starting over", outDir);
            folder.Clear();
            resume = false;
        }
        if (resume) log.LogInformation("{Out} holds an unfinished run: resuming it (--force starts over)", outDir);
        // The run's settings, kept beside it: a resume with other settings would silently be another run.
        if (resume) RunSettings.RequireSame(outDir, settings);
        AtomicFile.WriteText(settingsPath, settings);
        source.Prepare(outDir, cancel);
        return resume ? Resume : Fresh;
    }

    void Preflight(IDataSource source, ModelFactory factory) => RunInputs.Check(source, [factory], options.OutDir, cancel);

    /// <summary>Tests the starting weights on every fold's test set, no training: `eval`.</summary>
    public IReadOnlyList<FoldOutcome> Test(IDataSource source, ModelFactory factory)
    {
        using var folder = Group.IsWriter ? RunFolder.Acquire(options.OutDir) : null;
        if (folder is not null)
        {
            // An evaluation writes results.json and the report where a training run keeps its own: never over one.
            if ((folder.Finished || folder.Unfinished) && !options.Force)
                throw new IOException($"{options.OutDir}: holds {(folder.Finished ? "a finished" : "an unfinished")} run; choose another --out for eval, or --force to replace it");
            folder.Claim(options.OutDir, options.Force, () => Preflight(source, factory));
            source.Prepare(options.OutDir, cancel);
        }
        Group.Barrier();
        if (folder is null) source.Prepare(options.OutDir, cancel);
        var outcomes = new List<FoldOutcome>();
        foreach (int fold in source.Folds)
        {
            var built = factory(source.Classes(fold).Count, null);
            using var model = built.Model;
            var data = source.Open(fold, built.Model.Input, options.Train, options.Seed);
            if (data.Test is null) throw new InvalidOperationException($"{source.Description}: split {fold} has no test set");
            model.to(options.Device);
            Trainer.ToPrecision(model, options.Train.ParameterType);
            var dir = Path.Combine(options.OutDir, $"split{fold}");
            var result = Score(model, data.Test);
            if (Group.IsWriter) WriteFoldResults(dir, fold, built, data, result, [], usedBest: false);
            outcomes.Add(new FoldOutcome(fold, dir, [], new SplitOutcome(fold, result, [], [])));
        }
        if (Group.IsWriter) Report(outcomes);
        return outcomes;
    }

    FoldOutcome RunFold(IDataSource source, ModelFactory factory, int foldId, string dir, string? resumeFrom)
    {
        var classes = source.Classes(foldId);
        // A resumed fold starts from its own last weights; the training state in that file does the rest.
        var built = factory(classes.Count, resumeFrom);
        using var model = built.Model;
        var (check, checkPlacement) = RegularizerFactory.Create(options.Regularizer);
        if (check is not null) using (AttachedRegularizer.Attach(model, check, checkPlacement)) { } // a placement without sites fails now, not after data loading
        var data = source.Open(foldId, built.Model.Input, options.Train, options.Seed);
        RequireBatchWithinData(data.TrainSamples, foldId);
        var (regularizer, placement) = RegularizerFactory.Create(options.Regularizer, data.RowsPerSample);
        log.LogInformation("split {Split}: {Model} ({Params:N0} parameters, {Weights}) on {Device}; {Train} training / {Val} validation / {Test} test samples, {Classes} classes; regularizer {Reg} at {Placement}",
            foldId, built.Name, model.parameters().Sum(p => p.numel()), built.Origin, options.Device, data.TrainSamples, data.Validation?.Samples ?? 0,
            data.Test?.Samples ?? 0, classes.Count, options.Regularizer.Kind, options.Regularizer.Placement);

        var progress = new ProgressLine($"split {foldId}");
        var trainer = new Trainer(model, options.Train, options.Device, log)
        {
            Regularization = regularizer is null ? null : (regularizer, placement),
            Objective = built.Objective,
            // The progress line is cleared before validation, so the epoch's log line that follows starts on a clean line.
            Validate = data.Validation is not { } val ? null : (epoch, ct) => { progress.Clear(); return Evaluator.Run(model, val.Epoch(epoch, ct), options.Device, ct, group: Group).Metrics(); },
            SaveCheckpoint = (path, state) => CheckpointWriter.Save(model, path, state),
            Settings = SettingsJson(source, foldId),
            Seed = options.Seed,
            TensorBoardDir = Path.Combine(dir, "tensorboard"),
            // Cleared at an epoch's last step: the epoch's log line comes next and must start on a clean line.
            OnStep = p => { if (p.Step == p.StepsPerEpoch) progress.Clear(); else progress.Show(ProgressLine.Format(p)); },
            Group = Group,
        };
        var epochs = trainer.Fit(data.Train, dir, cancel, resumeFrom);
        progress.Clear();
        // Rank 0's last checkpoints are on disk before any rank looks for them.
        Group.Barrier();
        if (data.Test is null || options.SkipTest)
        {
            if (Group.IsWriter) WriteFoldResults(dir, foldId, built, data, null, epochs, usedBest: false);
            return new FoldOutcome(foldId, dir, epochs, null);
        }

        // --test-weights best: the weights of the best validation epoch, read back from checkpoint-best.pth;
        // --test-weights ema: the weight average, from checkpoint-ema.pth.
        var best = Path.Combine(dir, options.Train.TestWeights == "ema" ? "checkpoint-ema.pth" : "checkpoint-best.pth");
        bool useBest = options.Train.TestWeights is "best" or "ema" && File.Exists(best);
        if (options.Train.TestWeights == "best" && !useBest)
            log.LogWarning("split {Split}: no checkpoint-best.pth (no validation share?): testing the final weights", foldId);
        using var bestModel = useBest ? factory(classes.Count, best).Model : null;
        bestModel?.to(options.Device);
        if (bestModel is not null) Trainer.ToPrecision(bestModel, options.Train.ParameterType);
        var result = Score(bestModel ?? model, data.Test);
        if (Group.IsWriter) WriteFoldResults(dir, foldId, built, data, result, epochs, useBest);
        return new FoldOutcome(foldId, dir, epochs, new SplitOutcome(foldId, result, [.. epochs.Select(e => e.TrainLoss)],
            [.. epochs.Select(e => e.Validation.TryGetValue("top1", out var t) ? t : (double?)null)]));
    }

    /// <summary>Every view of every test sample through the model; a test where nothing loads is an error, not 0 %.</summary>
    EvalResult Score(Models.Network model, EvalData test)
    {
        var progress = new ProgressLine("test");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = Evaluator.Run(model, test.Epoch(0, cancel), options.Device, cancel,
            done => { if (Group.IsWriter) progress.Show(ProgressLine.Format($"{test.Views} views, batch", done, test.Batches, watch.Elapsed)); }, Group);
        progress.Clear();
        // A score over no sample is not a result: 0 % would read as a model that is always wrong.
        if (result.Videos == 0)
            throw new InvalidDataException($"{test.Source}: none of the {test.Samples} test {test.Noun} could be read{(test.SkipSummary is { } skips ? $" ({skips()})" : "")}");
        return result;
    }

    void WriteFoldResults(string dir, int fold, BuiltModel built, Fold data, EvalResult? result, IReadOnlyList<EpochRecord> epochs, bool usedBest)
    {
        var skipped = data.Skipped();
        var summary = new SortedDictionary<string, object?>(options.ResultFields.ToDictionary(kv => kv.Key, kv => kv.Value))
        {
            ["model"] = built.Name, ["split"] = fold, ["epochs"] = epochs.Count,
            ["regularizer"] = options.Regularizer, ["skipped_videos"] = skipped,
        };
        if (epochs.Count > 0)
        {
            summary["final_train_loss"] = epochs[^1].TrainLoss;
            summary["tested_weights"] = !usedBest ? "final (checkpoint-last.pth)"
                : options.Train.TestWeights == "ema" ? "weight average (checkpoint-ema.pth)" : "best validation top-1 (checkpoint-best.pth)";
        }
        if (result is not null)
        {
            summary["test"] = new { result.Videos, result.Views, result.Top1, result.Top5, mean_class_accuracy = result.MeanClassAccuracy };
            summary["predictions"] = result.Predictions;
        }
        var path = FoldResults.Write(dir, summary);
        if (result is not null)
            Console.WriteLine(FormattableString.Invariant(
                $"split {fold} test: top-1 {result.Top1:P1}, top-5 {result.Top5:P1}, mean class {result.MeanClassAccuracy:P1} over {result.Videos} {data.Test!.Noun} × {data.Test.Views} views; {skipped.Count} skipped; {path}"));
        else
            Console.WriteLine(FormattableString.Invariant($"split {fold} trained: final loss {epochs[^1].TrainLoss:F4}; {Path.Combine(dir, "checkpoint-last.pth")}"));
    }

    /// <summary>
    /// A batch larger than the data trains on one short batch at the learning rate of the batch asked for (lr · batch / 256):
    /// --batch-size 100000000 on 9 clips gave a peak lr of 390.6. Refused, as a DataLoader with drop_last leaves such an epoch empty.
    /// </summary>
    void RequireBatchWithinData(int trainSamples, int foldId)
    {
        var t = options.Train;
        if ((long)t.BatchSize * t.Ranks <= trainSamples) return;
        throw new ArgumentException(FormattableString.Invariant(
            $"--batch-size {t.BatchSize}{(t.Ranks > 1 ? $" on each of {t.Ranks} processes" : "")} is more than the {trainSamples} training samples of split {foldId} (the lr scales with the batch: peak {t.PeakLr:G4}); use --batch-size {Math.Max(1, trainSamples / t.Ranks)} or less"));
    }

    void Report(IReadOnlyList<FoldOutcome> outcomes)
    {
        var tested = outcomes.Where(o => o.Tested is not null).Select(o => o.Tested!).ToList();
        if (tested.Count == 0)
        {
            // No test set (pretraining): the report says what was trained and marks the run finished.
            AtomicFile.WriteText(Path.Combine(options.OutDir, RunFolder.FinishedMarker), JsonSerializer.Serialize(new
            {
                title = options.Title,
                folds = outcomes.Select(o => new { split = o.Fold, epochs = o.Epochs.Count, final_train_loss = o.Epochs.Count > 0 ? o.Epochs[^1].TrainLoss : (double?)null,
                    checkpoint = Path.Combine(o.Dir, "checkpoint-last.pth") }),
            }, new JsonSerializerOptions { WriteIndented = true }.NonFiniteAsNull()));
            return;
        }
        var mean = SplitReport.Write(options.OutDir, options.Title, tested);
        Console.WriteLine(FormattableString.Invariant(
            $"mean over {tested.Count} split(s): top-1 {mean.Top1:P1} ± {mean.Top1Std:P1}, top-5 {mean.Top5:P1}; {Path.Combine(options.OutDir, "report.md")}"));
    }

    /// <summary>
    /// What decides a run's numbers, as JSON: a resume with any of it changed would be a different run. Run control
    /// (workers, device, the folder) is left out of the spec, and threads are no setting: a resume may use other hardware.
    /// </summary>
    internal string SettingsJson(IDataSource source, int? fold) =>
        Specs.SpecJson.Settings((object?)options.Spec ?? new { options.Train, options.Regularizer, Seed = (long)options.Seed },
            new Dictionary<string, object?>(options.Resolved)
            {
                ["data"] = source.Description, ["split"] = fold, ["splits"] = string.Join(",", source.Folds), ["processes"] = options.Train.Ranks,
            });

    /// <summary>The options when their recipe, regularizer and seed are their spec's: settings.json records the spec, so they must be what runs.</summary>
    static ExperimentOptions SpecAgrees(ExperimentOptions o) =>
        o.Spec is null || (o.Spec.Train == o.Train && o.Spec.Regularizer == o.Regularizer && o.Spec.Seed == o.Seed) ? o
        : throw new InvalidOperationException($"{o.OutDir}: the run's recipe, regularizer or seed is not its spec's, so settings.json would not record what runs");
}
