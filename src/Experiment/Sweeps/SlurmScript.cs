using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using VideoVCReg.Runtime.IO;

namespace VideoVCReg.Experiment.Sweeps;

/// <summary>What `--slurm` asks of the scheduler for each array task.</summary>
public sealed record SlurmOptions(string? Partition = null, int? GpusPerTask = null, int CpusPerTask = 2, string Time = "04:00", bool DryRun = false)
{
    public IReadOnlyList<string> Problems()
    {
        var p = new List<string>();
        if (CpusPerTask < 1) p.Add($"--cpus-per-task must be ≥ 1 (got {CpusPerTask})");
        if (GpusPerTask is < 0) p.Add($"--gpus-per-task must be ≥ 0 (got {GpusPerTask})");
        if (!System.Text.RegularExpressions.Regex.IsMatch(Time, @"^\d{1,4}:\d{2}$")) p.Add($"--time must be HH:MM (got '{Time}')");
        if (Partition is { } part && !System.Text.RegularExpressions.Regex.IsMatch(part, @"^[A-Za-z0-9_.-]+$")) p.Add($"--partition: '{part}' is not a partition name");
        return p;
    }
}

/// <summary>The job ids of a submitted sweep (DIR/slurm.json).</summary>
public sealed record SlurmJobs(string ArrayJob, string FinalJob, string SubmittedUtc);

/// <summary>
/// The one writer of Slurm scripts, for `finetune --slurm` (<see cref="WriteSplits"/>) and for a sweep folder: sweep.sbatch (array task K runs `sweep --trial K DIR`, logs in
/// DIR/logs/trial-K.out, requeueable, SIGTERM two minutes before the time limit so the run stops cleanly and a
/// requeue resumes from its last checkpoint) and final.sbatch (the retrain-and-test, submitted with
/// --dependency=afterok on the array). `sbatch` must be on PATH when not a dry run.
/// </summary>
public static class SlurmScript
{
    public const string ArrayScript = "sweep.sbatch", FinalScript = "final.sbatch", JobsFile = "slurm.json";

    /// <summary>The command that runs this tool again: the same host and entry assembly.</summary>
    public static string SelfCommand()
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var entry = System.Reflection.Assembly.GetEntryAssembly()?.Location;
        return Path.GetFileNameWithoutExtension(host) == "dotnet" && entry is { Length: > 0 } ? $"{Quote(host)} {Quote(entry)}" : Quote(host);
    }

    static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";

    /// <summary>An sbatch script: the options as #SBATCH lines (an array when <paramref name="array"/> is given), then the command.</summary>
    public static string Script(string name, string output, SlurmOptions options, string? array, string command)
    {
        var s = new StringBuilder("#!/bin/bash\n");
        s.AppendLine($"#SBATCH --job-name={name}");
        s.AppendLine($"#SBATCH --output={output}");
        s.AppendLine(CultureInfo.InvariantCulture, $"#SBATCH --cpus-per-task={options.CpusPerTask}");
        if (options.GpusPerTask is int g and > 0) s.AppendLine(CultureInfo.InvariantCulture, $"#SBATCH --gpus-per-task={g}");
        if (options.Partition is { } p) s.AppendLine($"#SBATCH --partition={p}");
        s.AppendLine($"#SBATCH --time={options.Time}:00");
        s.AppendLine("#SBATCH --requeue");
        s.AppendLine("#SBATCH --open-mode=append");   // a requeued or resubmitted task's log continues, it is not cut
        s.AppendLine("#SBATCH --signal=TERM@120");
        if (array is not null) s.AppendLine($"#SBATCH --array={array}");
        s.AppendLine($"exec {command}");
        return s.ToString();
    }

    public static (string Array, string Final) Write(string dir, SweepPlan plan, SlurmOptions options, string self)
    {
        var full = Path.GetFullPath(dir);
        Directory.CreateDirectory(Path.Combine(full, "logs"));
        int n = plan.Trials().Count;
        var array = Script("videovcreg-sweep", Path.Combine(full, "logs", "trial-%a.out"), options, $"0-{n - 1}",
            $"{self} --threads {options.CpusPerTask} sweep --trial \"$SLURM_ARRAY_TASK_ID\" {Quote(full)}");
        var final = Script("videovcreg-sweep-final", Path.Combine(full, "logs", "final.out"), options, null,
            $"{self} --threads {options.CpusPerTask} sweep --final {Quote(full)}");
        var arrayPath = Path.Combine(full, ArrayScript);
        var finalPath = Path.Combine(full, FinalScript);
        AtomicFile.WriteText(arrayPath, array);
        AtomicFile.WriteText(finalPath, final);
        return (arrayPath, finalPath);
    }

    /// <summary>
    /// `finetune --slurm`'s scripts in its run folder: splits.sbatch (array task K runs <paramref name="jobArgs"/> with
    /// `--fold-task K`, logs in logs/split-K.out) and report.sbatch (<paramref name="jobArgs"/> alone, which finds every split
    /// done and writes the report).
    /// </summary>
    public static (string Array, string Report) WriteSplits(string dir, IReadOnlyList<int> folds, SlurmOptions options, string self, IReadOnlyList<string> jobArgs)
    {
        var full = Path.GetFullPath(dir);
        Directory.CreateDirectory(Path.Combine(full, "logs"));
        string Command(string extra) => $"{self} --threads {options.CpusPerTask} {string.Join(' ', jobArgs.Select(Word))}{extra}";
        var array = Script("videovcreg-splits", Path.Combine(full, "logs", "split-%a.out"), options, string.Join(',', folds), Command(" --fold-task \"$SLURM_ARRAY_TASK_ID\""));
        var report = Script("videovcreg-report", Path.Combine(full, "logs", "report.out"), options, null, Command(""));
        var arrayPath = Path.Combine(full, "splits.sbatch");
        var reportPath = Path.Combine(full, "report.sbatch");
        AtomicFile.WriteText(arrayPath, array);
        AtomicFile.WriteText(reportPath, report);
        return (arrayPath, reportPath);
    }

    /// <summary>A shell word: single-quoted unless plainly safe.</summary>
    public static string Word(string s) => s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%".Contains(c)) ? s : Quote(s);

    /// <summary>Submits the array, then the final job after it; records the ids in slurm.json.</summary>
    public static SlurmJobs Submit(string dir, string arrayScript, string finalScript) => Submit(dir, arrayScript, finalScript, JobsFile);

    /// <summary>
    /// As <see cref="Submit(string, string, string)"/>, recording the ids in <paramref name="jobsFile"/>. A folder submitted
    /// before has a final job of its own: it waits on the earlier array with afterok, which a cancelled task never satisfies
    /// (Slurm leaves it pending for ever, DependencyNeverSatisfied), so the new final job replaces it. Tasks of the earlier
    /// array still queued or running finish before the new final job starts, since the new array's copies of them return at
    /// once (the trial is claimed elsewhere).
    /// </summary>
    public static SlurmJobs Submit(string dir, string arrayScript, string finalScript, string jobsFile)
    {
        var previous = ReadJobs(dir, jobsFile);
        string arrayJob = Sbatch(arrayScript);
        var dependency = $"afterok:{arrayJob}";
        if (previous is not null && TaskStates(previous.ArrayJob).Values.Any(s => !Ended(s))) dependency += $",afterany:{previous.ArrayJob}";
        string finalJob = Sbatch(finalScript, $"--dependency={dependency}");
        if (previous is not null && JobState(previous.FinalJob) is ("PENDING", _)) Query("scancel", previous.FinalJob);
        var jobs = new SlurmJobs(arrayJob, finalJob, DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "Z");
        AtomicFile.WriteText(Path.Combine(dir, jobsFile), JsonSerializer.Serialize(jobs, SweepPlan.Json));
        return jobs;
    }

    /// <summary>Slurm job states after which the job never runs again (COMPLETED included).</summary>
    static readonly HashSet<string> EndStates = ["COMPLETED", "CANCELLED", "FAILED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE"];

    public static bool Ended(string state) => EndStates.Contains(state);

    /// <summary>
    /// Slurm's state of each task of an array job (PENDING, RUNNING, CANCELLED, ...): from squeue while the controller still
    /// holds the job (MinJobAge after its end), else from sacct where accounting is kept. Empty when Slurm knows none of them.
    /// </summary>
    public static IReadOnlyDictionary<int, string> TaskStates(string arrayJob)
    {
        var states = new Dictionary<int, string>();
        foreach (var (tool, args) in new[]
        {
            ("squeue", new[] { "-h", "-r", "-t", "all", "-j", arrayJob, "-o", "%i|%T" }),
            ("sacct", new[] { "-n", "-X", "-P", "-j", arrayJob, "-o", "JobID,State" }),
        })
        {
            foreach (var line in (Query(tool, args) ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                // "123_4|CANCELLED"; sacct writes "CANCELLED by 0".
                var parts = line.Split('|');
                if (parts.Length < 2 || !parts[0].StartsWith(arrayJob + "_", StringComparison.Ordinal)) continue;
                if (int.TryParse(parts[0][(arrayJob.Length + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int task))
                    states.TryAdd(task, parts[1].Split(' ')[0]);
            }
            if (states.Count > 0) break;
        }
        return states;
    }

    /// <summary>A job's state and squeue's reason for it (DependencyNeverSatisfied, ...); null when Slurm no longer holds it.</summary>
    public static (string State, string Reason)? JobState(string job)
    {
        var line = (Query("squeue", "-h", "-t", "all", "-j", job, "-o", "%T|%r") ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        return line?.Split('|') is [var state, var reason, ..] ? (state.Trim(), reason.Trim()) : null;
    }

    /// <summary>A Slurm client's standard output, or null when it is not there or fails (no Slurm here, accounting off, a job it has forgotten).</summary>
    static string? Query(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
    }

    static string Sbatch(string script, string? extra = null)
    {
        var psi = new ProcessStartInfo("sbatch") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("--parsable");
        if (extra is not null) psi.ArgumentList.Add(extra);
        psi.ArgumentList.Add(script);
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception) { throw new InvalidOperationException("sbatch: not found on PATH (no Slurm here?); --dry-run writes the scripts without submitting"); }
        using (p)
        {
            var err = p.StandardError.ReadToEndAsync();
            var output = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"sbatch {Path.GetFileName(script)}: {err.Result.Trim()}");
            // --parsable prints "jobid" or "jobid;cluster".
            return output.Split(';')[0];
        }
    }

    public static SlurmJobs? ReadJobs(string dir, string jobsFile = JobsFile)
    {
        var path = Path.Combine(dir, jobsFile);
        return File.Exists(path) ? JsonSerializer.Deserialize<SlurmJobs>(File.ReadAllText(path), SweepPlan.Json) : null;
    }

    /// <summary>The last non-empty lines of array task K's log, joined by " / "; empty when there is none.</summary>
    public static string LogTail(string dir, int trial, int lines)
    {
        var path = Path.Combine(dir, "logs", $"trial-{trial}.out");
        if (!File.Exists(path)) return "";
        return string.Join(" / ", File.ReadLines(path).Where(l => l.Trim().Length > 0).TakeLast(lines).Select(l => l.Trim()));
    }
}
