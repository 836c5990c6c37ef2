using System.Collections.Concurrent;
using System.Diagnostics;
using VideoVCReg.Decoding.Synthetic;

namespace VideoVCReg.Tests.Distributed;

/// <summary>SIGTERM to mpirun, or a signal to one rank alone, ends a data-parallel run with the one line a single process gives.</summary>
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

    /// <summary>
    /// A signal to rank 1 alone once left rank 0 waiting in a collective until rank 1's MPI_Abort killed it: Open MPI's
    /// banner, exit 130, and a line only when rank 0 happened to catch the abort's SIGTERM before its SIGKILL.
    /// </summary>
    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public void A_signal_to_rank_1_alone_ends_the_job_with_one_line_and_keeps_the_last_checkpoint(string signal)
    {
        var work = Directory.CreateTempSubdirectory("videovcreg-ddp-rank1-").FullName;
        try
        {
            var data = Path.Combine(work, "data");
            SyntheticDataset.Write(data, new SynthOptions(4, 6, Seed: 3));
            var presets = Path.Combine(work, "tiny.json");
            File.WriteAllText(presets, Sweeps.SweepTests.TinyPreset);
            var run = Path.Combine(work, "run");
            // Epochs of about a second and far more of them than the test waits for: the signal comes mid-run.
            using var p = MpiRun.Start(2, "finetune", "--presets", presets, "--model", "tiny", "--data", data, "--split", "1", "--epochs", "500",
                "--warmup-epochs", "0", "--workers", "1", "--batch-size", "2", "--threads", "1", "--val-share", "0", "--out", run);
            var lines = new ConcurrentQueue<string>();
            p.ErrorDataReceived += (_, e) => { if (e.Data is string l) lines.Enqueue(l); };
            p.OutputDataReceived += (_, e) => { if (e.Data is string l) lines.Enqueue(l); };
            p.BeginErrorReadLine();
            p.BeginOutputReadLine();
            var checkpoint = Path.Combine(run, "split1", "checkpoint-last.pth");
            var watch = Stopwatch.StartNew();
            while (!File.Exists(checkpoint) && !p.HasExited && watch.Elapsed < TimeSpan.FromMinutes(2)) Thread.Sleep(50);
            Assert.False(p.HasExited, $"the run ended before its first checkpoint: {string.Join(" | ", lines)}");
            int rank1 = RankProcess(p.Id, 1);
            using (var kill = Process.Start("kill", [$"-{signal}", rank1.ToString()])) kill.WaitForExit();
            Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)), $"mpirun did not end after SIG{signal} to rank 1");
            p.WaitForExit();   // the output to its end
            Assert.Equal(["videovcreg: stopped (interrupted)"], lines.Where(l => l.StartsWith("videovcreg: ")));
            Assert.DoesNotContain(lines, l => l.Contains("MPI_ABORT") || l.Contains("ORTE_ERROR_LOG"));
            // Ended as a signal to mpirun ends it (see above): mpirun's own exit code, not the abort's 130.
            Assert.Equal(1, p.ExitCode);
            // The last epoch's checkpoint is whole: a torch.save zip with its pickle, as the resume reads it.
            using var zip = System.IO.Compression.ZipFile.OpenRead(checkpoint);
            Assert.Contains(zip.Entries, e => e.FullName.EndsWith("/data.pkl"));
            Assert.Contains(File.ReadAllLines(Path.Combine(run, "split1", "metrics.jsonl")), l => l.Trim().Length > 0);
        }
        finally { Directory.Delete(work, true); }
    }

    /// <summary>The process of rank <paramref name="rank"/> among mpirun's children, as Open MPI numbers them in their environment.</summary>
    static int RankProcess(int mpirun, int rank)
    {
        foreach (var child in File.ReadAllText($"/proc/{mpirun}/task/{mpirun}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var environment = File.ReadAllText($"/proc/{child}/environ").Split('\0');
            if (environment.Contains($"OMPI_COMM_WORLD_RANK={rank}")) return int.Parse(child);
        }
        throw new InvalidOperationException($"mpirun {mpirun} has no child of rank {rank}");
    }
}
