using System.Diagnostics;
using System.Text.Json;
using VideoVCReg.Models.Checkpoints;
using VideoVCReg.Tests.Decoding;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.FineTune;

/// <summary>
/// Exact resume: a run killed with SIGKILL after its first epoch and started again into the same folder ends
/// with the per-epoch losses and the final weights of a run never interrupted, bit for bit (CPU, one thread).
/// </summary>
[Collection(SynthDataCollection.Name)]
public class ResumeTests(SynthData synth)
{
    // Drop path and head dropout draw from torch's random state every step: a resume that lost it would differ.
    // The learning rate is high enough for the weights to move (at VideoMAE's 1e-3 × 2/256 the loss stays at
    // ln 3 and Adam's first steps are ±lr whatever the masks, so a lost random state went unnoticed).
    const string TinyPreset = """
        { "tiny": { "family": "videomae", "description": "test", "embed_dim": 32, "depth": 2, "num_heads": 2,
                    "frames": 4, "image_size": 32, "num_classes": 400, "drop_path_rate": 0.3, "head_dropout": 0.3 } }
        """;

    static string[] Args(string presets, string data, string outDir, string alpha = "3", params string[] more) =>
        ["finetune", "--presets", presets, "--model", "tiny", "--data", data, "--out", outDir, "--epochs", "3", "--warmup-epochs", "1", "--lr", "0.5",
         "--batch-size", "2", "--workers", "2", "--val-share", "0.25", "--test-clips", "1", "--test-crops", "1", "--threads", "1",
         "--seed", "5", "--reg", "vcreg", "--alpha", alpha, "--noise", "0.3", "--log-reg", .. more];

    static List<double> Losses(string outDir) =>
        [.. File.ReadAllLines(Path.Combine(outDir, "split1", "metrics.jsonl")).Where(l => l.Length > 0)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("train_loss").GetDouble())];

    static int TrainingEpochsDone(string checkpoint) =>
        VideoVCReg.FineTune.TrainingState.Read(checkpoint)?.EpochsDone ?? throw new InvalidDataException($"{checkpoint}: no training state");

    [Fact]
    public void A_run_killed_after_epoch_one_resumes_to_the_uninterrupted_losses_and_weights()
    {
        var work = Directory.CreateTempSubdirectory("resume-").FullName;
        try
        {
            var presets = Path.Combine(work, "tiny.json");
            File.WriteAllText(presets, TinyPreset);
            var whole = Path.Combine(work, "whole");
            var r = CliProcess.Run(Args(presets, synth.Dir, whole));
            Assert.True(r.ExitCode == 0, r.Stderr);

            // The same run, killed (SIGKILL: no cleanup of any kind) as soon as epoch 1 is on disk.
            var killed = Path.Combine(work, "killed");
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "videovcreg.dll"));
            foreach (var arg in Args(presets, synth.Dir, killed)) psi.ArgumentList.Add(arg);
            using (var p = Process.Start(psi)!)
            {
                _ = p.StandardOutput.ReadToEndAsync();
                _ = p.StandardError.ReadToEndAsync();
                // The first checkpoint-last.pth (renamed into place whole) marks epoch 1 done.
                var last = Path.Combine(killed, "split1", "checkpoint-last.pth");
                var watch = Stopwatch.StartNew();
                while (!File.Exists(last) && !p.HasExited && watch.Elapsed < TimeSpan.FromMinutes(3))
                    Thread.Sleep(5);
                p.Kill(entireProcessTree: true);   // SIGKILL on Linux
                p.WaitForExit();
            }
            Assert.False(File.Exists(Path.Combine(killed, "report.json")), "the run finished before it could be killed: the test proves nothing");
            int before = TrainingEpochsDone(Path.Combine(killed, "split1", "checkpoint-last.pth"));
            Assert.InRange(before, 1, 2);

            var resumed = CliProcess.Run(Args(presets, synth.Dir, killed));
            Assert.True(resumed.ExitCode == 0, resumed.Stderr);
            Assert.Contains($"after epoch {before} of 3", resumed.Stderr);   // from the checkpoint, not from scratch

            Assert.Equal(Losses(whole), Losses(killed));      // bit for bit: doubles compared exactly
            var a = CheckpointFile.Read(Path.Combine(whole, "split1", "checkpoint-last.pth"));
            var b = CheckpointFile.Read(Path.Combine(killed, "split1", "checkpoint-last.pth"));
            Assert.Equal(a.Keys.Order(), b.Keys.Order());
            foreach (var (k, t) in a) Assert.True(t.shape.SequenceEqual(b[k].shape) && t.eq(b[k]).all().item<bool>(), $"{k} differs after the resume");
            using var x = JsonDocument.Parse(File.ReadAllText(Path.Combine(whole, "report.json")));
            using var y = JsonDocument.Parse(File.ReadAllText(Path.Combine(killed, "report.json")));
            Assert.Equal(x.RootElement.GetProperty("mean").GetProperty("top1").GetDouble(), y.RootElement.GetProperty("mean").GetProperty("top1").GetDouble());

            // A resume with other settings would silently be another run: refused, naming what changed.
            File.Delete(Path.Combine(killed, "report.json"));
            var changed = CliProcess.Run(Args(presets, synth.Dir, killed, alpha: "5"));
            Assert.Equal(1, changed.ExitCode);
            Assert.Contains("used other settings (spec.regularizer.alpha: 3 then, 5 now)", changed.Stderr);

            // The scaling is part of the run: recorded (the paper's by default), and a resume under the other one is refused.
            Assert.Equal("paper", SettingsFile.Spec(killed).GetProperty("regularizer").GetProperty("scaling").GetString());
            var rescaled = CliProcess.Run(Args(presets, synth.Dir, killed, "3", "--vcreg-scaling", "loss"));
            Assert.Equal(1, rescaled.ExitCode);
            Assert.Contains("spec.regularizer.scaling: \"paper\" then, \"loss\" now", rescaled.Stderr);
        }
        finally { Directory.Delete(work, true); }
    }
}
