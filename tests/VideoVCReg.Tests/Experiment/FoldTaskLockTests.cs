using System.Diagnostics;
using System.Text.RegularExpressions;
using VideoVCReg.Tests.Decoding;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Experiment;

/// <summary>
/// An array task (`finetune --fold-task K`) and a whole run of the same --out, such as a user's `finetune --force`, never
/// both proceed: whichever comes second is refused in one line naming the first, and the first's split is left alone.
/// </summary>
[Collection(SynthDataCollection.Name)]
public class FoldTaskLockTests(SynthData synth)
{
    [Fact]
    public void A_force_run_and_an_array_task_on_one_folder_refuse_each_other_naming_the_holder()
    {
        var work = Directory.CreateTempSubdirectory("fold-task-lock-").FullName;
        var presets = Path.Combine(work, "tiny.json");
        File.WriteAllText(presets, Sweeps.SweepTests.TinyPreset);
        var run = Path.Combine(work, "run");
        var metrics = Path.Combine(run, "split1", "metrics.jsonl");
        // Far more epochs than the test waits for: the holder is still training when the other process comes.
        string[] Args(int epochs) => ["--threads", "1", "finetune", "--presets", presets, "--model", "tiny", "--data", synth.Dir, "--split", "1",
            "--epochs", epochs.ToString(), "--warmup-epochs", "0", "--batch-size", "2", "--workers", "1", "--out", run];
        Process? holder = null;
        try
        {
            // The task holds the run folder: a --force that once cleared split1 under it (it locked only split1) is refused.
            holder = Start([.. Args(500), "--fold-task", "1"]);
            WaitFor(metrics, holder);
            var force = CliProcess.Run([.. Args(1), "--force"]);
            Assert.Equal(1, force.ExitCode);
            AssertRefusal(run, holder.Id, force.Stderr);
            Assert.True(File.Exists(metrics), "the --force cleared the running task's split");
            Stop(holder);
            holder = null;

            // The other order: a --force run holds the folder, and a task of the same run is refused rather than train beside it.
            holder = Start([.. Args(500), "--force"]);
            WaitFor(metrics, holder, after: DateTime.UtcNow);
            var task = Start([.. Args(500), "--fold-task", "1"]);
            try
            {
                Assert.True(task.WaitForExit(TimeSpan.FromSeconds(90)), "the array task trained beside the --force run");
                task.WaitForExit();   // its output to the end
                Assert.Equal(1, task.ExitCode);
                AssertRefusal(run, holder.Id, Stderr(task));
            }
            finally { Stop(task); }
        }
        finally
        {
            if (holder is not null) Stop(holder);
            Directory.Delete(work, true);
        }
    }

    static void AssertRefusal(string run, int pid, string stderr)
    {
        var line = Assert.Single(stderr.Split('\n'), l => l.StartsWith("videovcreg: "));
        Assert.Matches($@"^videovcreg: {Regex.Escape(run)}: another run is using this folder \(pid {pid} on {Regex.Escape(Environment.MachineName)}, since \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\dZ\); wait for it or choose another --out$", line);
    }

    /// <summary>Waits until <paramref name="file"/> was written (after <paramref name="after"/>): the holder has its locks and is training.</summary>
    static void WaitFor(string file, Process holder, DateTime? after = null)
    {
        var watch = Stopwatch.StartNew();
        while (!(File.Exists(file) && File.GetLastWriteTimeUtc(file) >= (after ?? DateTime.MinValue)) && !holder.HasExited && watch.Elapsed < TimeSpan.FromMinutes(2))
            Thread.Sleep(50);
        Assert.False(holder.HasExited, $"the holder ended before it trained: {Stderr(holder)}");
        Assert.True(File.Exists(file), $"{file} was not written in two minutes");
    }

    static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Process, System.Collections.Concurrent.ConcurrentQueue<string>> errors = [];

    /// <summary>The built videovcreg as its own process, its output drained as it comes, so a holder never blocks on a full pipe.</summary>
    static Process Start(string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "videovcreg.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        var lines = errors.GetOrCreateValue(p);
        p.ErrorDataReceived += (_, e) => { if (e.Data is string l) lines.Enqueue(l); };
        p.OutputDataReceived += (_, _) => { };
        p.BeginErrorReadLine();
        p.BeginOutputReadLine();
        return p;
    }

    static string Stderr(Process p) => string.Join('\n', errors.GetOrCreateValue(p));

    static void Stop(Process p)
    {
        if (!p.HasExited) p.Kill(true);
        p.WaitForExit();
        p.Dispose();
    }
}
