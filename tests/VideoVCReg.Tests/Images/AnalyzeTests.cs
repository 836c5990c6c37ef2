using System.Text.Json;
using VideoVCReg.Decoding.Images;
using VideoVCReg.Models.Checkpoints;
using VideoVCReg.Runtime.IO;
using VideoVCReg.Models.Image;
using VideoVCReg.Tests.Support;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Images;

/// <summary>`videovcreg analyze`: every metric equals NumPy's on the features it saves; two backbones side by side.</summary>
[Collection(GlobalRngCollection.Name)]
public class AnalyzeTests
{
    static string Fixture => Path.Combine(AppContext.BaseDirectory, "fixtures", "analysis", "numpy_metrics.py");

    [Fact]
    public void Metrics_equal_numpys_on_the_saved_features_for_each_backbone()
    {
        var work = Directory.CreateTempSubdirectory("analyze-").FullName;
        try
        {
            var data = Path.Combine(work, "data");
            SyntheticImages.Write(data, new SynthImageOptions(TrainPerClass: 12, TestPerClass: 4), AtomicFile.Write);
            var weights = new List<string>();
            foreach (var seed in new[] { 1, 2 })
            {
                manual_seed(seed);
                using var net = ImagePresets.Build(ImagePresets.Get("resnet32"), 10);
                var path = Path.Combine(work, $"backbone{seed}.pth");
                CheckpointWriter.Save(net, path);
                weights.Add(path);
            }
            var features = Path.Combine(work, "features");
            var outDir = Path.Combine(work, "analysis");
            var r = CliProcess.Run("analyze", "--arch", "resnet32", "--weights", weights[0], "--weights", weights[1],
                "--data", $"cifar10:{Path.Combine(data, "downstream")}", "--save-features", features, "--json", "--threads", "1", "--out", outDir);
            Assert.True(r.ExitCode == 0, r.Stderr);
            var runs = JsonDocument.Parse(r.Stdout.Trim()).RootElement.GetProperty("runs").EnumerateArray().ToList();
            Assert.Equal(2, runs.Count);
            for (int k = 0; k < 2; k++)
            {
                var ours = runs[k].GetProperty("metrics");
                var numpy = JsonDocument.Parse(PythonScript.Run(Fixture, Path.Combine(features, $"weights{k + 1}"), "8")).RootElement;
                foreach (var (key, theirs) in new[] { ("cdnv", "cdnv"), ("ncc_train", "ncc_train"), ("ncc_test", "ncc_test"), ("effective_rank", "effective_rank"), ("top_share", "top_share") })
                {
                    double a = ours.GetProperty(key).GetDouble(), b = numpy.GetProperty(theirs).GetDouble();
                    Assert.True(Math.Abs(a - b) <= 1e-9 * Math.Max(1, Math.Abs(b)), $"weights {k + 1} {key}: ours {a}, NumPy {b}");
                }
                var spectrum = ours.GetProperty("spectrum").EnumerateArray().Select(v => v.GetDouble()).ToList();
                var npSpectrum = numpy.GetProperty("spectrum").EnumerateArray().Select(v => v.GetDouble()).ToList();
                Assert.Equal(npSpectrum.Count, spectrum.Count);
                for (int i = 0; i < spectrum.Count; i++)
                    Assert.True(Math.Abs(spectrum[i] - npSpectrum[i]) <= 1e-9 * npSpectrum[0], $"σ{i}: {spectrum[i]} vs {npSpectrum[i]}");
            }
            // Different backbones, different representations: the table compares two things.
            Assert.NotEqual(runs[0].GetProperty("metrics").GetProperty("cdnv").GetDouble(), runs[1].GetProperty("metrics").GetProperty("cdnv").GetDouble());
            Assert.Equal(3, File.ReadAllLines(Path.Combine(outDir, "analysis.csv")).Length);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(Path.Combine(outDir, "spectrum.png"))[..4]);

            var again = CliProcess.Run("analyze", "--arch", "resnet32", "--data", $"cifar10:{Path.Combine(data, "downstream")}", "--out", outDir);
            Assert.Equal(1, again.ExitCode);
            Assert.Contains("holds a finished run", again.Stderr);

            // --force with --save-features naming a file: one line before any work, and the finished analysis is kept.
            var report = File.ReadAllText(Path.Combine(outDir, "report.json"));
            var aFile = Path.Combine(work, "afile");
            File.WriteAllText(aFile, "x");
            var intoFile = CliProcess.Run("analyze", "--arch", "resnet32", "--data", $"cifar10:{Path.Combine(data, "downstream")}", "--save-features", aFile,
                "--force", "--out", outDir);
            Assert.Equal(1, intoFile.ExitCode);
            Assert.Equal($"videovcreg: {aFile}: is a file, not a folder (--save-features)", intoFile.Stderr.Trim());
            Assert.Equal(report, File.ReadAllText(Path.Combine(outDir, "report.json")));
        }
        finally { Directory.Delete(work, true); }
    }
}

/// <summary>`videovcreg analyze --model`: a video preset's centred-view features of one split, checked against NumPy.</summary>
[Collection(VideoVCReg.Tests.Decoding.SynthDataCollection.Name)]
public class VideoAnalyzeTests(VideoVCReg.Tests.Decoding.SynthData synth)
{
    const string TinyPreset = """
        { "tiny": { "family": "videomae", "description": "test", "embed_dim": 32, "depth": 2, "num_heads": 2,
                    "frames": 4, "image_size": 32, "num_classes": 400 } }
        """;

    [Fact]
    public void Video_features_are_one_centred_view_per_video_of_the_split()
    {
        var work = Directory.CreateTempSubdirectory("analyze-video-").FullName;
        try
        {
            var presets = Path.Combine(work, "tiny.json");
            File.WriteAllText(presets, TinyPreset);
            var features = Path.Combine(work, "features");
            var r = CliProcess.Run("analyze", "--model", "tiny", "--presets", presets, "--data", synth.Dir, "--split", "2", "--save-features", features,
                "--json", "--threads", "1", "--out", Path.Combine(work, "out"));
            Assert.True(r.ExitCode == 0, r.Stderr);
            var metrics = JsonDocument.Parse(r.Stdout.Trim()).RootElement.GetProperty("runs")[0].GetProperty("metrics");
            var train = VideoVCReg.Decoding.Datasets.DatasetSplits.Load(VideoVCReg.Decoding.Datasets.DatasetSpec.Parse(synth.Dir), 2).Train;
            var test = VideoVCReg.Decoding.Datasets.DatasetSplits.Load(VideoVCReg.Decoding.Datasets.DatasetSpec.Parse(synth.Dir), 2).Test;
            Assert.Equal(train.Count, metrics.GetProperty("train_samples").GetInt32());
            Assert.Equal(test.Count, metrics.GetProperty("test_samples").GetInt32());
            Assert.Equal(32, metrics.GetProperty("dim").GetInt32());
            var numpy = JsonDocument.Parse(PythonScript.Run(Path.Combine(AppContext.BaseDirectory, "fixtures", "analysis", "numpy_metrics.py"), features,
                $"{train.Classes.Count}")).RootElement;
            foreach (var key in new[] { "cdnv", "ncc_train", "ncc_test", "effective_rank", "top_share" })
            {
                double a = metrics.GetProperty(key).GetDouble(), b = numpy.GetProperty(key).GetDouble();
                Assert.True(Math.Abs(a - b) <= 1e-9 * Math.Max(1, Math.Abs(b)), $"{key}: ours {a}, NumPy {b}");
            }

            var both = CliProcess.Run("analyze", "--model", "tiny", "--arch", "resnet32", "--out", Path.Combine(work, "x"));
            Assert.Equal(1, both.ExitCode);
            Assert.Contains("give one of --arch", both.Stderr);
        }
        finally { Directory.Delete(work, true); }
    }
}
