using System.Text.Json;
using VideoVCReg.Tests.Decoding;
using VideoVCReg.Tests.FineTune;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Experiment;

/// <summary>`videovcreg pretrain` on the rendered source, then its weights as the start of `finetune`.</summary>
[Collection(SynthDataCollection.Name)]
public class PretrainCliTests(SynthData synth)
{
    [Fact]
    public void Pretrains_on_rendered_motion_reuses_a_finished_run_and_feeds_finetune()
    {
        var work = Directory.CreateTempSubdirectory("pretrain-cli-").FullName;
        try
        {
            var presets = Path.Combine(work, "tiny.json");
            File.WriteAllText(presets, FineTuneCliTests.TinyPreset);
            var outDir = Path.Combine(work, "source");
            string[] args = ["pretrain", "--presets", presets, "--model", "tiny", "--classes", "4", "--steps-per-epoch", "3", "--val-clips", "6",
                "--epochs", "2", "--warmup-epochs", "0", "--batch-size", "3", "--rand-augment", "none", "--reg", "none", "--threads", "1", "--out", outDir];
            var r = CliProcess.Run(args);
            Assert.True(r.ExitCode == 0, r.Stderr);
            var weights = Path.Combine(outDir, "split1", "checkpoint-last.pth");
            Assert.Contains($"pretrained weights: {weights}", r.Stdout);
            var epochs = File.ReadAllLines(Path.Combine(outDir, "split1", "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal(2, epochs.Count);
            Assert.All(epochs, e => Assert.Equal(9, e.GetProperty("samples").GetInt32()));          // 3 steps × 3 fresh clips
            Assert.All(epochs, e => Assert.True(e.GetProperty("validation").TryGetProperty("top1", out _)));

            // The same command again: refused (finished), reused with --reuse, and other settings are not reused.
            var again = CliProcess.Run(args);
            Assert.Equal(1, again.ExitCode);
            Assert.Contains("holds a finished run", again.Stderr);
            var stamp = File.GetLastWriteTimeUtc(weights);
            var reused = CliProcess.Run([.. args, "--reuse"]);
            Assert.True(reused.ExitCode == 0, reused.Stderr);
            Assert.Contains("reusing it", reused.Stderr);
            Assert.Equal(stamp, File.GetLastWriteTimeUtc(weights));
            var other = CliProcess.Run([.. args.Select(a => a == "4" ? "6" : a), "--reuse"]);                 // --classes 6
            Assert.Equal(1, other.ExitCode);
            Assert.Contains("holds a finished run", other.Stderr);

            var bad = CliProcess.Run("pretrain", "--data", "/no/such/data", "--out", Path.Combine(work, "x"));
            Assert.Equal(1, bad.ExitCode);
            Assert.Single(bad.Stderr.Trim().Split('\n'));
            Assert.Contains("/no/such/data: dataset folder not found", bad.Stderr);     // a dataset spec (a bare DIR is hmdb51:DIR)
            var jitter = CliProcess.Run("data", "synth", "--out", Path.Combine(work, "y"), "--scene-colour-jitter", "500");
            Assert.Equal(1, jitter.ExitCode);
            Assert.Contains("--scene-colour-jitter must be in [0, 180]", jitter.Stderr);
            Assert.False(Directory.Exists(Path.Combine(work, "y", "videos")));

            // The 4-class source head does not fit the dataset's classes: finetune keeps the body, starts a new head.
            var ft = CliProcess.Run("finetune", "--presets", presets, "--model", "tiny", "--weights", weights, "--data", synth.Dir,
                "--out", Path.Combine(work, "ft"), "--epochs", "1", "--warmup-epochs", "0", "--batch-size", "2", "--workers", "1",
                "--test-clips", "1", "--test-crops", "1", "--val-share", "0", "--threads", "1");
            Assert.True(ft.ExitCode == 0, ft.Stderr);
            Assert.Contains("split 1 test: top-1", ft.Stdout);
        }
        finally { Directory.Delete(work, true); }
    }
}
