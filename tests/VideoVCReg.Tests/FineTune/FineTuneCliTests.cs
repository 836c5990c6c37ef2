using System.Text.Json;
using VideoVCReg.Tests.Decoding;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.FineTune;

/// <summary>`videovcreg finetune` end to end on real encoded videos, one of them damaged.</summary>
[Collection(SynthDataCollection.Name)]
public class FineTuneCliTests(SynthData synth)
{
    internal const string TinyPreset = """
        { "tiny": { "family": "videomae", "description": "test", "embed_dim": 32, "depth": 2, "num_heads": 2,
                    "frames": 4, "image_size": 32, "num_classes": 400 } }
        """;

    [Fact]
    public void Fine_tunes_skips_a_bad_video_and_tests_every_view()
    {
        var data = synth.Copy();
        var work = Directory.CreateTempSubdirectory("finetune-cli-").FullName;
        try
        {
            // Damage one training video of split 1: the run must log it, leave it out, and finish.
            var (cls, name) = Directory.GetFiles(Path.Combine(data, "splits"), "*_test_split1.txt")
                .SelectMany(f => File.ReadAllLines(f).Select(l => (Class: Path.GetFileName(f)[..^"_test_split1.txt".Length], Line: l.Split(' '))))
                .Where(x => x.Line.Length == 2 && x.Line[1] == "1").Select(x => (x.Class, x.Line[0])).First();
            var bad = Path.Combine(data, "videos", cls, name);
            File.WriteAllBytes(bad, File.ReadAllBytes(bad)[..200]);
            int testVideos = Directory.GetFiles(Path.Combine(data, "splits"), "*_test_split1.txt")
                .Sum(f => File.ReadAllLines(f).Count(l => l.Trim().EndsWith(" 2")));
            var presets = Path.Combine(work, "tiny.json");
            File.WriteAllText(presets, TinyPreset);
            var outDir = Path.Combine(work, "run");
            var r = CliProcess.Run("finetune", "--presets", presets, "--model", "tiny", "--data", data, "--out", outDir,
                "--epochs", "2", "--warmup-epochs", "1", "--batch-size", "2", "--workers", "1", "--val-share", "0.2", "--test-clips", "2", "--test-crops", "2",
                "--reg", "vcreg", "--placement", "blocks", "--alpha", "2", "--log-reg", "--noise", "0.5", "--threads", "1");
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Contains("split 1 test: top-1", r.Stdout);
            Assert.Contains("mean over 1 split(s): top-1", r.Stdout);
            Assert.Contains(name, r.Stderr);                               // the skip is logged, naming the file

            var splitDir = Path.Combine(outDir, "split1");
            using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(splitDir, "results.json")));
            var test = results.RootElement.GetProperty("test");
            Assert.Equal(testVideos, test.GetProperty("videos").GetInt32());
            Assert.Equal(testVideos * 4, test.GetProperty("views").GetInt32());
            // Top-1 is the share of the listed per-video predictions that are right (not just a number in [0, 1]).
            var predictions = results.RootElement.GetProperty("predictions").EnumerateArray().ToList();
            Assert.Equal(testVideos, predictions.Count);
            Assert.Equal((double)predictions.Count(p => p.GetProperty("label").GetInt32() == p.GetProperty("predicted").GetInt32()) / testVideos,
                test.GetProperty("top1").GetDouble(), 12);
            Assert.Contains(results.RootElement.GetProperty("skipped_videos").EnumerateObject(), p => p.Name.EndsWith(name));
            Assert.Equal(2.0, results.RootElement.GetProperty("regularizer").GetProperty("alpha").GetDouble());

            var epochs = File.ReadAllLines(Path.Combine(splitDir, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal(2, epochs.Count);
            Assert.All(epochs, e => Assert.True(e.GetProperty("regularizer").GetProperty("vcreg_var").GetDouble() > 0));
            Assert.All(epochs, e => Assert.True(e.GetProperty("validation").TryGetProperty("top1", out _)));
            Assert.True(new FileInfo(Path.Combine(splitDir, "checkpoint-last.pth")).Length > 10_000);
            // The report over splits carries the same test top-1.
            using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "report.json")));
            Assert.Equal(test.GetProperty("top1").GetDouble(), report.RootElement.GetProperty("mean").GetProperty("top1").GetDouble(), 12);
            Assert.Contains("| mean |", File.ReadAllText(Path.Combine(outDir, "report.md")));
            Assert.True(new FileInfo(Path.Combine(outDir, "test_accuracy.png")).Length > 1000);

            // `eval` of the saved final weights, with the same views, gives the same test result.
            var evalDir = Path.Combine(work, "eval");
            var e = CliProcess.Run("eval", "--presets", presets, "--model", "tiny", "--weights", Path.Combine(splitDir, "checkpoint-last.pth"),
                "--data", data, "--split", "1", "--test-clips", "2", "--test-crops", "2", "--noise", "0.5", "--out", evalDir, "--threads", "1");
            Assert.True(e.ExitCode == 0, e.Stderr);
            using var evalReport = JsonDocument.Parse(File.ReadAllText(Path.Combine(evalDir, "report.json")));
            var evalSplit = evalReport.RootElement.GetProperty("splits")[0];
            Assert.Equal(testVideos, evalSplit.GetProperty("videos").GetInt32());
            Assert.Equal(test.GetProperty("top1").GetDouble(), evalSplit.GetProperty("top1").GetDouble(), 12);
            Assert.Equal(test.GetProperty("top5").GetDouble(), evalSplit.GetProperty("top5").GetDouble(), 12);
        }
        finally
        {
            Directory.Delete(work, true);
            Directory.Delete(data, true);
        }
    }

    [Fact]
    public void Missing_dataset_is_one_line_naming_it()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-dataset-" + Guid.NewGuid().ToString("N"));
        var r = CliProcess.Run("finetune", "--data", missing, "--out", Path.Combine(Path.GetTempPath(), "unused-run"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(missing, r.Stderr);
        Assert.Single(r.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public void Eval_refuses_a_head_that_does_not_fit_the_dataset()
    {
        var work = Directory.CreateTempSubdirectory("eval-cli-").FullName;
        try
        {
            var presets = Path.Combine(work, "tiny.json");
            File.WriteAllText(presets, TinyPreset);
            // A tiny model saved with 400 classes; the synthetic dataset has 3.
            var weights = Path.Combine(work, "tiny400.pth");
            using (var m = new VideoVCReg.Models.VisionTransformer(VideoVCReg.Models.ModelPresets.Get("tiny", presets)))
                VideoVCReg.Models.Checkpoints.CheckpointWriter.Save(m, weights);
            var r = CliProcess.Run("eval", "--presets", presets, "--model", "tiny", "--weights", weights, "--data", synth.Dir, "--out", Path.Combine(work, "out"));
            Assert.Equal(1, r.ExitCode);
            // The one error line; the log line before it says what the split lost.
            Assert.Single(r.Stderr.Trim().Split('\n'), l => l.StartsWith("videovcreg: "));
            Assert.Contains("the head has 400 classes, the dataset 3", r.Stderr);
        }
        finally { Directory.Delete(work, true); }
    }

    [Fact]
    public void Bad_settings_are_listed_together()
    {
        var r = CliProcess.Run("finetune", "--epochs", "0", "--lr", "-1", "--reg", "decov", "--reg-weight", "-2");
        Assert.Equal(1, r.ExitCode);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        var r2 = CliProcess.Run("finetune", "--split", "4");
        Assert.Equal(1, r2.ExitCode);
        Assert.Contains("Data:Split (--split) must be", r2.Stderr);
        foreach (var part in new[] { "FineTune:Epochs (--epochs) must be", "FineTune:BaseLr (--lr) must be", "Regularizer:Weight (--reg-weight) must be" })
            Assert.Contains(part, r.Stderr);
    }
}
