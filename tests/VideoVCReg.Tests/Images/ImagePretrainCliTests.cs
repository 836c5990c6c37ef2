using System.Text.Json;
using VideoVCReg.Decoding.Images;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Images;

/// <summary>`videovcreg pretrain --arch` on CIFAR-format data: the synthetic image data, coarse labels, a long tail.</summary>
public class ImagePretrainCliTests
{
    [Fact]
    public void Pretrains_resnet32_on_long_tailed_coarse_labels_and_tests_on_the_balanced_set()
    {
        var work = Directory.CreateTempSubdirectory("image-pretrain-").FullName;
        try
        {
            var data = Path.Combine(work, "data");
            var synth = CliProcess.Run("data", "synth-images", "--out", data, "--train-per-class", "20", "--test-per-class", "5");
            Assert.True(synth.ExitCode == 0, synth.Stderr);
            var outDir = Path.Combine(work, "run");
            var r = CliProcess.Run("pretrain", "--arch", "resnet32", "--data", $"cifar100:{Path.Combine(data, "source")}", "--labels", "coarse",
                "--imbalance", "4", "--epochs", "2", "--warmup-epochs", "0", "--batch-size", "16", "--lr", "0.5", "--layer-decay", "1",
                "--mixup", "0", "--cutmix", "0", "--num-sample", "1", "--log-reg", "--threads", "1", "--out", outDir);
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Contains("split 1 test: top-1", r.Stdout);

            // 4 coarse classes of 80 training images each, long-tailed ×4: 80, 50, 31, 20; the test set stays 20 each.
            using var counts = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "class_counts.json")));
            Assert.Equal(LongTail.Counts(4, 80, 4), counts.RootElement.EnumerateArray().Select(c => c.GetProperty("train").GetInt32()));
            Assert.All(counts.RootElement.EnumerateArray(), c => Assert.Equal(20, c.GetProperty("test").GetInt32()));
            Assert.Equal(["disc", "square", "triangle", "bar"], counts.RootElement.EnumerateArray().Select(c => c.GetProperty("class").GetString()));

            using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "split1", "results.json")));
            Assert.Equal(80, results.RootElement.GetProperty("test").GetProperty("videos").GetInt32());
            // VCReg sits after every block by default on image backbones: 15 sites in ResNet-32, each logged.
            Assert.Equal("blocks", results.RootElement.GetProperty("regularizer").GetProperty("placement").GetString());
            var epoch = JsonDocument.Parse(File.ReadAllLines(Path.Combine(outDir, "split1", "metrics.jsonl"))[0]).RootElement;
            Assert.Equal((80 + 50 + 31 + 20) / 16, epoch.GetProperty("steps").GetInt32());
            Assert.Equal(15, epoch.GetProperty("regularizer").EnumerateObject().Count(p => p.Name.StartsWith("vcreg_var/blocks.")));

            var bad = CliProcess.Run("pretrain", "--arch", "resnet32", "--data", "imagenet:/x", "--out", Path.Combine(work, "bad"));
            Assert.Equal(1, bad.ExitCode);
            Assert.Contains("--data must be DIR (ImageFolder", bad.Stderr);

            // A batch past the data: one short batch at the lr of the batch asked for (peak 390.6), then results.json could not be written.
            var huge = CliProcess.Run("pretrain", "--arch", "resnet32", "--data", $"cifar100:{Path.Combine(data, "source")}", "--labels", "coarse",
                "--batch-size", "100000000", "--epochs", "1", "--threads", "1", "--out", Path.Combine(work, "huge"));
            Assert.Equal(1, huge.ExitCode);
            // ResNet-32's long-tail recipe: lr 0.016 per 256 images, so 0.016 · 1e8 / 256 = 6250 at this batch.
            Assert.Equal(["videovcreg: --batch-size 100000000 is more than the 320 training samples of split 1 (the lr scales with the batch: peak 6250); use --batch-size 320 or less"],
                huge.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("videovcreg: ")));
            Assert.False(Directory.Exists(Path.Combine(work, "huge", "split1")), "training started");
        }
        finally { Directory.Delete(work, true); }
    }
}
