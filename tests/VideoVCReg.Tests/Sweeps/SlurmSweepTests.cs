using System.Diagnostics;
using VideoVCReg.Models.Checkpoints;
using VideoVCReg.Tests.Decoding;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Sweeps;

/// <summary>
/// `sweep --slurm` on a real one-node Slurm cluster on this machine (scripts/slurm-local.sh; the test command installs
/// slurm-wlm and munge): a 4-trial array runs each trial once and the dependent final job tests the best setting; a
/// trial cancelled mid-run and submitted again resumes from its checkpoint; `finetune --split 1,2 --slurm` runs each split as
/// an array task and the report job after them; `srun --mpi=pmix -n 2` trains one model on two processes, as mpirun does.
/// The daemons stop when the test ends, also on failure. If the cluster cannot start, the test fails: it never skips.
/// </summary>
[Collection(SynthDataCollection.Name)]
public class SlurmSweepTests(SynthData synth)
{
    const string TinyPreset = SweepTests.TinyPreset;

    static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "VideoVCReg.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("the repository root (VideoVCReg.sln) above the test binaries");
    }

    static (int Code, string Output) Shell(string command)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Root() };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output + err.Result);
    }

    static void WaitFor(Func<bool> done, TimeSpan limit, string what, string dir)
    {
        var watch = Stopwatch.StartNew();
        while (!done())
        {
            if (watch.Elapsed > limit)
                Assert.Fail($"{what}: not after {limit.TotalSeconds} s. squeue: {Shell("squeue").Output} logs: {string.Join(" | ", Directory.Exists(Path.Combine(dir, "logs")) ? Directory.EnumerateFiles(Path.Combine(dir, "logs")).Select(f => Path.GetFileName(f) + ": " + File.ReadAllText(f)[^Math.Min(400, File.ReadAllText(f).Length)..]) : [])}");
            Thread.Sleep(200);
        }
    }

    string[] Sweep(string presets, string dir, string alpha, string epochs) =>
        ["sweep", "--alpha", alpha, "--beta", "0.1,0.5", "--out", dir, "--presets", presets, "--model", "tiny", "--data", synth.Dir, "--epochs", epochs,
         "--warmup-epochs", "0", "--lr", "0.5", "--batch-size", "2", "--workers", "1", "--test-clips", "1", "--test-crops", "1", "--seed", "4",
         "--slurm", "--cpus-per-task", "1", "--time", "00:10"];

    [Fact]
    public void A_sweep_runs_as_a_slurm_job_array_and_a_cancelled_trial_resumes_when_resubmitted()
    {
        var work = Directory.CreateTempSubdirectory("slurm-sweep-").FullName;
        var started = Shell("scripts/slurm-local.sh start");
        try
        {
            Assert.True(started.Code == 0, $"the local Slurm cluster did not start: {started.Output}");
            var presets = Path.Combine(work, "tiny.json");
            File.WriteAllText(presets, TinyPreset);

            var dir = Path.Combine(work, "sweep");
            var submitted = CliProcess.Run(Sweep(presets, dir, "1,3", "2"));
            Assert.True(submitted.ExitCode == 0, submitted.Stderr);
            Assert.Contains("submitted: array job", submitted.Stdout);
            WaitFor(() => File.Exists(Path.Combine(dir, "final", "run", "report.json")), TimeSpan.FromMinutes(4), "the final job's report", dir);
            for (int k = 0; k < 4; k++)
            {
                var log = File.ReadAllText(Path.Combine(dir, "logs", $"trial-{k}.out"));
                Assert.Single(System.Text.RegularExpressions.Regex.Matches(log, $"trial {k}/4: "));
                Assert.Equal(2, File.ReadAllLines(Path.Combine(dir, $"trial-{k:D3}", "split1", "metrics.jsonl")).Count(l => l.Length > 0));
            }
            var summary = CliProcess.Run("sweep", "--summary", dir);
            Assert.Contains("4 of 4 trials finished", summary.Stdout);
            Assert.Equal(4, summary.Stdout.Split('\n').Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\| \d \| trial-00\d \|")));

            // One long trial, cancelled once its first checkpoint is written, then the same sweep submitted again.
            var longDir = Path.Combine(work, "long");
            var first = CliProcess.Run([.. Sweep(presets, longDir, "1", "40").Select(s => s == "0.1,0.5" ? "0.1" : s)]);
            Assert.True(first.ExitCode == 0, first.Stderr);
            var checkpoint = Path.Combine(longDir, "trial-000", "split1", "checkpoint-last.pth");
            WaitFor(() => File.Exists(checkpoint), TimeSpan.FromMinutes(2), "the long trial's first checkpoint", longDir);
            Assert.Equal(0, Shell("scancel -u root").Code);
            WaitFor(() => Shell("squeue -h").Output.Trim().Length == 0, TimeSpan.FromMinutes(1), "the cancelled jobs to leave the queue", longDir);
            Assert.False(File.Exists(Path.Combine(longDir, "trial-000", "report.json")), "the trial finished before it was cancelled: the test proves nothing");
            int before = File.ReadAllLines(Path.Combine(longDir, "trial-000", "split1", "metrics.jsonl")).Count(l => l.Length > 0);
            var again = CliProcess.Run([.. Sweep(presets, longDir, "1", "40").Select(s => s == "0.1,0.5" ? "0.1" : s)]);
            Assert.True(again.ExitCode == 0, again.Stderr);
            WaitFor(() => File.Exists(Path.Combine(longDir, "final", "run", "report.json")), TimeSpan.FromMinutes(4), "the resubmitted sweep's final report", longDir);
            var trialLog = File.ReadAllText(Path.Combine(longDir, "logs", "trial-0.out"));
            Assert.Contains($"resuming {Path.Combine(longDir, "trial-000")}", trialLog);
            Assert.True(before >= 1);
            Assert.Equal(40, File.ReadAllLines(Path.Combine(longDir, "trial-000", "split1", "metrics.jsonl")).Count(l => l.Length > 0));
            WaitFor(() => Shell("squeue -h").Output.Trim().Length == 0, TimeSpan.FromMinutes(1), "the final job to leave the queue", longDir);

            // finetune --split 1,2 --slurm: one array task a split, then the run's own command writes the report over both.
            var splitsDir = Path.Combine(work, "splits");
            string[] finetune = ["finetune", "--presets", presets, "--model", "tiny", "--data", synth.Dir, "--split", "1,2", "--epochs", "2", "--warmup-epochs", "0",
                "--lr", "0.5", "--batch-size", "2", "--workers", "1", "--test-clips", "1", "--test-crops", "1", "--seed", "4", "--out", splitsDir,
                "--slurm", "--cpus-per-task", "1", "--time", "00:10"];
            var sent = CliProcess.Run(finetune);
            Assert.True(sent.ExitCode == 0, sent.Stderr);
            Assert.Contains("(2 splits)", sent.Stdout);
            WaitFor(() => File.Exists(Path.Combine(splitsDir, "report.json")), TimeSpan.FromMinutes(4), "the split array's report", splitsDir);
            // report.json is written before the job prints its last line: the job must have ended before its log is read.
            WaitFor(() => Shell("squeue -h").Output.Trim().Length == 0, TimeSpan.FromMinutes(1), "the report job to leave the queue", splitsDir);
            foreach (var k in new[] { 1, 2 })
            {
                Assert.Equal(2, File.ReadAllLines(Path.Combine(splitsDir, $"split{k}", "metrics.jsonl")).Count(l => l.Length > 0));
                Assert.True(File.Exists(Path.Combine(splitsDir, $"split{k}", "results.json")));
                Assert.Contains($"split {k} test: top-1", File.ReadAllText(Path.Combine(splitsDir, "logs", $"split-{k}.out")));
            }
            // The report job trained nothing: it found both splits done.
            var reportLog = File.ReadAllText(Path.Combine(splitsDir, "logs", "report.out"));
            Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(reportLog, "finished before: its results are kept").Count);
            Assert.Contains("mean over 2 split(s)", reportLog);
        }
        finally
        {
            Shell("scancel -u root");
            var stopped = Shell("scripts/slurm-local.sh stop");
            Directory.Delete(work, true);
            Assert.True(stopped.Code == 0, stopped.Output);
        }
    }

    /// <summary>
    /// Slurm's own launcher, no mpirun: `srun --mpi=pmix -n 2` starts two ranks that find each other through PMIx (Debian's
    /// slurm-wlm has the pmix plugin, its Open MPI the PMIx client). float64, fast VCReg on the global batch: the parameters
    /// equal one process at twice the batch within 1e-10, as under mpirun (DataParallelTests). Control: srun --mpi=none
    /// starts two unconnected processes, which must not pass for one run.
    /// </summary>
    [Fact]
    public void Srun_with_pmix_trains_one_model_on_two_processes_equal_to_one_process_at_twice_the_batch()
    {
        var work = Directory.CreateTempSubdirectory("slurm-srun-").FullName;
        var started = Shell("scripts/slurm-local.sh start");
        try
        {
            Assert.True(started.Code == 0, $"the local Slurm cluster did not start: {started.Output}");
            var presets = Path.Combine(work, "tiny.json");
            File.WriteAllText(presets, TinyPreset);
            string[] Args(string name, int batch) => ["finetune", "--presets", presets, "--model", "tiny", "--data", synth.Dir, "--split", "1", "--epochs", "2",
                "--warmup-epochs", "0", "--lr", "0.5", "--workers", "1", "--test-clips", "1", "--test-crops", "1", "--seed", "4", "--mixup", "0", "--cutmix", "0",
                "--threads", "1", "--val-share", "0", "--precision", "float64", "--reg", "vcreg", "--alpha", "3", "--beta", "0.5", "--vcreg-sync",
                "--batch-size", batch.ToString(), "--out", Path.Combine(work, name)];
            string Srun(string mpi, string name, int batch) =>
                $"srun --mpi={mpi} -n 2 --cpus-per-task 1 --time 00:05 dotnet {Path.Combine(AppContext.BaseDirectory, "videovcreg.dll")} {string.Join(' ', Args(name, batch))}";

            var one = CliProcess.Run(Args("one", 4));
            Assert.True(one.ExitCode == 0, one.Stderr);
            var two = Shell(Srun("pmix", "two", 2));
            Assert.True(two.Code == 0, two.Output);
            Assert.Equal(2, Processes(Path.Combine(work, "two")));
            var a = CheckpointFile.Read(Path.Combine(work, "one", "split1", "checkpoint-last.pth"));
            var b = CheckpointFile.Read(Path.Combine(work, "two", "split1", "checkpoint-last.pth"));
            Assert.True(MaxDiff(a, b) <= 1e-10, $"srun --mpi=pmix -n 2 against one process: {MaxDiff(a, b):E2}");

            // Without PMIx the two processes are two one-process runs on one folder: one trains alone at the per-process
            // batch (not one model on two processes, and not equal to the run above), the other is refused or finds it finished.
            var apart = Shell(Srun("none", "apart", 2));
            Assert.NotEqual(0, apart.Code);
            Assert.Matches("another run is using this folder|holds a finished run", apart.Output);
            Assert.Equal(1, Processes(Path.Combine(work, "apart")));
            var alone = CheckpointFile.Read(Path.Combine(work, "apart", "split1", "checkpoint-last.pth"));
            Assert.True(MaxDiff(a, alone) > 1e-4, $"one process at batch 2 against batch 4: only {MaxDiff(a, alone):E2} apart, so the comparison above proves nothing");
        }
        finally
        {
            Shell("scancel -u root");
            var stopped = Shell("scripts/slurm-local.sh stop");
            Directory.Delete(work, true);
            Assert.True(stopped.Code == 0, stopped.Output);
        }
    }

    static double MaxDiff(Dictionary<string, TorchSharp.torch.Tensor> a, Dictionary<string, TorchSharp.torch.Tensor> b)
    {
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        return a.Where(kv => kv.Value.is_floating_point()).Max(kv => (kv.Value - b[kv.Key]).abs().max().item<double>());
    }

    /// <summary>settings.json's resolved.processes: the world the run trained in.</summary>
    static int Processes(string run) => SettingsFile.Resolved(run).GetProperty("processes").GetInt32();
}
