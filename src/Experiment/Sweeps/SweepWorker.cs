using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VideoVCReg.Runtime.IO;
using VideoVCReg.FineTune;

namespace VideoVCReg.Experiment.Sweeps;

/// <summary>
/// Where a trial stands, read from its folder. Cancelled comes from Slurm alone (the summary asks it): the folder of a trial
/// whose array task was cancelled reads as pending, yet nothing will run it until the sweep is submitted again.
/// </summary>
public enum TrialStatus { Pending, Running, Finished, Failed, Cancelled }

/// <summary>
/// Works through a sweep folder (<see cref="SweepPlan"/>). A trial is claimed by an exclusive OS lock on
/// trial-&lt;id&gt;/.claim, held while it runs and released however the process ends: any number of processes (local
/// workers, Slurm array tasks) can share one folder, and no trial runs twice at once. A trial is a run folder of the
/// experiment layer, so a claim of an unfinished trial (killed, pre-empted, requeued) resumes it from its last
/// checkpoint; a finished one (report.json) is never run again. A trial that exits non-zero gets failed.txt (its exit
/// code and last error line) and is not retried until that file is removed. When every trial is finished or failed,
/// the final stage runs once (DIR/final/.claim): per condition the best tuned values, retrained and tested.
/// A trial is a spec (<see cref="SweepPlan.TrialSpec"/>, <see cref="SweepPlan.PretrainTrialSpec"/>), kept as spec.json in its
/// folder and run here through <see cref="Experiments"/>; so is a final run.
/// </summary>
public sealed class SweepWorker(string dir, SweepPlan plan, ILogger? log = null, ILoggerFactory? loggers = null)
{
    readonly ILogger log = log ?? NullLogger.Instance;
    readonly ILoggerFactory loggers = loggers ?? NullLoggerFactory.Instance;
    public const string ClaimFile = ".claim", FailedFile = "failed.txt", FinalFolder = "final", SpecFile = Specs.SpecJson.FileName;

    public string Dir => dir;
    public SweepPlan Plan => plan;

    /// <summary>
    /// Takes the exclusive claim of a folder, or null when another process holds it. A status probe (<see cref="Status"/>,
    /// `--summary`) holds a claim for microseconds, so a claim that fails is tried again for a second before the
    /// folder counts as taken: a probe never makes a worker skip a trial that nobody runs.
    /// </summary>
    public static FolderLock? TryClaim(string folder)
    {
        for (int attempt = 0; ; attempt++)
        {
            if (Lock(folder, note: true) is { } claim) return claim;
            if (attempt == 10) return null;
            Thread.Sleep(100);
        }
    }

    static FolderLock? Lock(string folder, bool note)
    {
        Directory.CreateDirectory(folder);
        return FolderLock.TryTake(folder, ClaimFile, note: note);
    }

    public TrialStatus Status(Trial trial) => StatusOf(Path.Combine(dir, trial.Folder));

    static TrialStatus StatusOf(string folder)
    {
        if (File.Exists(Path.Combine(folder, FineTune.RunFolder.FinishedMarker))) return TrialStatus.Finished;
        if (File.Exists(Path.Combine(folder, FailedFile))) return TrialStatus.Failed;
        if (!Directory.Exists(folder)) return TrialStatus.Pending;
        using var probe = Lock(folder, note: false);
        return probe is null ? TrialStatus.Running : TrialStatus.Pending;
    }

    /// <summary>Runs trial <paramref name="id"/> if no one else is (a Slurm array task); 0 when it is finished or taken elsewhere.</summary>
    public Task<int> RunTrial(int id, CancellationToken cancel)
    {
        var trials = plan.Trials();
        if (id < 0 || id >= trials.Count) throw new ArgumentException($"--trial {id}: the sweep in {dir} has trials 0 … {trials.Count - 1}");
        RequireRunnable();
        var trial = trials[id];
        var folder = Path.Combine(dir, trial.Folder);
        using var claim = TryClaim(folder);
        if (claim is null) { log.LogInformation("trial {Id} ({Label}) is being run by another process ({Owner})", id, trial.Label, Owner(folder)); return Task.FromResult(0); }
        if (StatusOf(folder) == TrialStatus.Finished) { log.LogInformation("trial {Id} ({Label}) finished before", id, trial.Label); return Task.FromResult(0); }
        File.Delete(Path.Combine(folder, FailedFile)); // an explicit --trial retries a failed trial
        log.LogInformation("trial {Id}/{Count}: {Label}", id, trials.Count, trial.Label);
        var (rc, lastError) = plan.Verb == "finetune" ? RunSpec(plan.TrialSpec(trial, dir), cancel) : RunSpec(plan.PretrainTrialSpec(trial, dir), cancel);
        if (rc != 0 && !cancel.IsCancellationRequested)
            AtomicFile.WriteText(Path.Combine(folder, FailedFile), $"exit code {rc}: {lastError}\n");
        return Task.FromResult(rc);
    }

    /// <summary>
    /// A local worker: claims and runs every pending trial in grid order, then the final stage when nothing is left.
    /// Returns 0 when the sweep is complete or the rest is running elsewhere, else the first failing exit code.
    /// </summary>
    public async Task<int> Work(CancellationToken cancel)
    {
        RequireRunnable();
        int worst = 0;
        foreach (var trial in plan.Trials())
        {
            cancel.ThrowIfCancellationRequested();
            if (Status(trial) is not TrialStatus.Pending) continue;
            int rc = await RunTrial(trial.Id, cancel);
            if (rc != 0 && worst == 0) worst = rc;
        }
        var states = plan.Trials().Select(Status).ToList();
        if (states.Any(s => s is TrialStatus.Running or TrialStatus.Pending))
        {
            log.LogInformation("{Running} trial(s) still running in other processes; the final stage runs when the last of them is done (sweep {Dir})",
                states.Count(s => s is TrialStatus.Running or TrialStatus.Pending), dir);
            return worst;
        }
        int final = await RunFinal(cancel);
        return worst != 0 ? worst : final;
    }

    /// <summary>Per condition, the tuned values with the best mean validation top-1 over the splits (failed trials left out).</summary>
    public IReadOnlyList<FinalChoice> Choose()
    {
        var trials = plan.Trials();
        var missing = trials.Where(t => Status(t) is TrialStatus.Pending or TrialStatus.Running).ToList();
        if (missing.Count > 0) throw new InvalidOperationException($"{dir}: {missing.Count} trial(s) not finished yet (first: {missing[0].Folder}, {missing[0].Label})");
        var scored = trials.Select(t => (Trial: t, Score: TrialScore.Read(Path.Combine(dir, t.Folder)))).Where(s => s.Score is not null).ToList();
        var choices = new List<FinalChoice>();
        foreach (var group in scored.GroupBy(s => Key(s.Trial, SweepPlan.Condition)))
        {
            var best = group.GroupBy(s => Key(s.Trial, SweepPlan.Tuned))
                .Select(g => (Values: g.First().Trial.Values.Where(kv => SweepPlan.Tuned.Contains(kv.Key)).ToDictionary(), Mean: g.Average(s => s.Score!.Value), Count: g.Count()))
                .OrderByDescending(c => c.Mean).First();   // stable: the first in grid order wins a tie
            choices.Add(new FinalChoice(group.First().Trial.Values.Where(kv => SweepPlan.Condition.Contains(kv.Key)).ToDictionary(), best.Values, best.Mean, best.Count));
        }
        if (choices.Count == 0) throw new InvalidOperationException($"{dir}: no trial finished with a validation score ({Unscored(trials)})");
        return choices;
    }

    /// <summary>
    /// Why no trial can be chosen, trial by trial (the first few): the failed ones with their failure line, the finished ones
    /// that recorded no validation top-1. The line is all the user gets from a final job, so it names the trials itself.
    /// </summary>
    string Unscored(IReadOnlyList<Trial> trials)
    {
        var why = trials.Select(t => Status(t) == TrialStatus.Failed
                ? $"{t.Folder} ({t.Label}) failed: {ReadFirstLine(Path.Combine(dir, t.Folder, FailedFile))}"
                : $"{t.Folder} ({t.Label}) finished without a validation top-1 (no --val-share?)").ToList();
        return string.Join("; ", why.Take(3)) + (why.Count > 3 ? $"; and {why.Count - 3} more" : "");
    }

    static string ReadFirstLine(string path)
    {
        try { return File.ReadLines(path).FirstOrDefault(l => l.Trim().Length > 0)?.Trim() ?? "no reason recorded"; }
        catch (IOException) { return "no reason recorded"; }
    }

    static string Key(Trial t, string[] axes) => string.Join("|", axes.Select(a => t.Values.GetValueOrDefault(a) ?? ""));

    /// <summary>The retrain-and-test of each condition's best setting, once (DIR/final/.claim); finished runs are kept.</summary>
    public Task<int> RunFinal(CancellationToken cancel)
    {
        RequireRunnable();
        var finalDir = Path.Combine(dir, FinalFolder);
        using var claim = TryClaim(finalDir);
        if (claim is null) { log.LogInformation("the final stage is being run by another process ({Owner})", Owner(finalDir)); return Task.FromResult(0); }
        var choices = Choose();
        AtomicFile.WriteText(Path.Combine(finalDir, "choices.json"), JsonSerializer.Serialize(choices, SweepPlan.Json));
        foreach (var choice in choices)
        {
            var name = choice.Condition.Count == 0 ? "run" : string.Join("-", choice.Condition.Select(kv => $"{kv.Key.TrimStart('-')}{kv.Value}"));
            var outDir = Path.Combine(finalDir, name);
            if (File.Exists(Path.Combine(outDir, FineTune.RunFolder.FinishedMarker))) continue;
            log.LogInformation("final: {Condition} with {Tuned} (mean validation top-1 {Score:P1} over {Count} trial(s)): retrained on the full training split(s) and tested",
                choice.Condition.Count == 0 ? "the sweep" : string.Join(" ", choice.Condition.Select(kv => $"{kv.Key} {kv.Value}")),
                string.Join(" ", choice.Tuned.Select(kv => $"{kv.Key} {kv.Value}")), choice.MeanValidationTop1, choice.Trials);
            var (rc, lastError) = plan.Verb == "finetune" ? RunSpec(plan.FinalSpec(choice, dir, outDir), cancel) : RunSpec(plan.PretrainFinalSpec(choice, dir, outDir), cancel);
            if (rc != 0) { log.LogError("final run {Out} failed: {Error}", outDir, lastError); return Task.FromResult(rc); }
        }
        return Task.FromResult(0);
    }

    static string Owner(string folder)
    {
        return FolderLock.Owner(folder, ClaimFile) is { Length: > 0 } owner ? owner : "unknown";
    }

    /// <summary>A sweep this worker can run: one written before trials were specs is refused in one line.</summary>
    void RequireRunnable()
    {
        if (plan.Verb == "finetune") plan.RequireSpec(dir);
        else plan.RequirePretrainSpec(dir);
    }

    /// <summary>
    /// A spec run in this process, kept beside its run as spec.json (what the trial was, whatever wrote the sweep). A failure
    /// is the trial's, as a failed process was: its one line is returned and logged, and the sweep goes on with the next trial.
    /// </summary>
    (int Code, string LastError) RunSpec(Specs.FineTuneSpec spec, CancellationToken cancel) =>
        RunSpec(spec.OutDir, Specs.SpecJson.Write(spec), () => Experiments.Run(spec, loggers, cancel), cancel);

    (int Code, string LastError) RunSpec(Specs.PretrainSpec spec, CancellationToken cancel) =>
        RunSpec(spec.OutDir, Specs.SpecJson.Write(spec), () => Experiments.Run(spec, loggers, cancel), cancel);

    (int Code, string LastError) RunSpec(string folder, string json, Action run, CancellationToken cancel)
    {
        Directory.CreateDirectory(folder);
        AtomicFile.WriteText(Path.Combine(folder, SpecFile), json);
        try
        {
            run();
            return (0, "");
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested) { throw; }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // libtorch's errors carry the C++ stack; the one line a failed.txt and the summary quote is what the verb would print.
            var line = (Runtime.NativeErrors.Describe(e.Message) ?? e.Message).ReplaceLineEndings(" ").Trim();
            log.LogError("{Out}: {Error}", folder, line);
            return (1, line);
        }
    }
}

/// <summary>A condition's chosen tuned values and their mean validation top-1 over its trials (one per split).</summary>
public sealed record FinalChoice(IReadOnlyDictionary<string, string> Condition, IReadOnlyDictionary<string, string> Tuned, double MeanValidationTop1, int Trials);

/// <summary>A trial's score: the best validation top-1 of any epoch, averaged over its splits (metrics.jsonl).</summary>
public static class TrialScore
{
    public static double? Read(string trialDir)
    {
        if (!File.Exists(Path.Combine(trialDir, FineTune.RunFolder.FinishedMarker))) return null;
        var best = new List<double>();
        foreach (var split in Directory.EnumerateDirectories(trialDir, "split*").Order())
        {
            var metrics = Path.Combine(split, "metrics.jsonl");
            if (!File.Exists(metrics)) continue;
            double? top = null;
            foreach (var line in File.ReadLines(metrics).Where(l => l.Trim().Length > 0))
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.TryGetProperty("validation", out var v) && v.TryGetProperty("top1", out var t))
                    top = Math.Max(top ?? double.NegativeInfinity, t.GetDouble());
            }
            if (top is double x) best.Add(x);
        }
        return best.Count == 0 ? null : best.Average();
    }

    public static string Percent(double? v) => v is double x ? (100 * x).ToString("F1", CultureInfo.InvariantCulture) : "–";
}
