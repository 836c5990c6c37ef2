using System.Collections.Concurrent;
using System.Diagnostics;
using VideoVCReg.Decoding.Synthetic;

namespace VideoVCReg.Tests.Distributed;

/// <summary>SIGTERM to mpirun ends a data-parallel run with the one line a single process gives.</summary>
public class InterruptedDataParallelTests
{
    [Fact]
    public void Sigterm_to_mpirun_gives_one_line_while_a_long_step_runs()
    {
        var work = Directory.CreateTempSubdirectory("videovcreg-ddp-term-").FullName;
        try
        {
            var data = Path.Combine(work, "data");
            SyntheticDataset.Write(data, new SynthOptions(4, 6, Seed: 3));
            // videomae-s at 16 × 224²: a step takes seconds on CPU, longer than the second mpirun leaves its ranks between
            // passing SIGTERM on and SIGKILL. A line written once the step had ended never came (a tiny preset hides that).
            using var p = MpiRun.Start(2, "finetune", "--model", "videomae-s", "--data", data, "--split", "1", "--epochs", "5", "--workers", "1",
                "--batch-size", "2", "--threads", "1", "--val-share", "0", "--out", Path.Combine(work, "run"));
            var lines = new ConcurrentQueue<string>();
            p.ErrorDataReceived += (_, e) => { if (e.Data is string l) lines.Enqueue(l); };
            p.OutputDataReceived += (_, e) => { if (e.Data is string l) lines.Enqueue(l); };
            p.BeginErrorReadLine();
            p.BeginOutputReadLine();
            var watch = Stopwatch.StartNew();
            while (!lines.Any(l => l.Contains("split 1: videomae-s")) && !p.HasExited && watch.Elapsed < TimeSpan.FromMinutes(2)) Thread.Sleep(50);
            Assert.False(p.HasExited, $"the run ended before it trained: {string.Join(" | ", lines)}");
            Thread.Sleep(1500);   // into the first step
            using (var kill = Process.Start("kill", ["-TERM", p.Id.ToString()])) kill.WaitForExit();
            Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)), "mpirun did not end after SIGTERM");
            p.WaitForExit();   // the output to its end
            Assert.Equal(["videovcreg: stopped (interrupted)"], lines.Where(l => l.StartsWith("videovcreg: ")));
            Assert.DoesNotContain(lines, l => l.Contains("MPI_ABORT"));
            // The ranks end with 130, but mpirun, signalled itself, always exits 1 (Open MPI's rule: a script trapping
            // SIGTERM and exiting 130 gives the same); anything but 0 tells a script the run did not finish.
            Assert.Equal(1, p.ExitCode);
        }
        finally { Directory.Delete(work, true); }
    }
}
