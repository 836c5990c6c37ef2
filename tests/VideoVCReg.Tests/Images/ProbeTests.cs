using System.Globalization;
using System.Text.Json;
using TorchSharp;
using VideoVCReg.Decoding.Images;
using VideoVCReg.Eval;
using VideoVCReg.Experiment.Images;
using VideoVCReg.FineTune;
using VideoVCReg.Models;
using VideoVCReg.Models.Checkpoints;
using VideoVCReg.Models.Image;
using VideoVCReg.Runtime.IO;
using VideoVCReg.Tests.Support;
using VideoVCReg.Runtime.Data;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Images;

/// <summary>
/// The linear probe: features are the head's input, a backbone loads without its head, and `videovcreg probe`
/// agrees with scikit-learn on the features it saves (which NumPy reads back as written).
/// </summary>
[Collection(GlobalRngCollection.Name)]
public class ProbeTests
{
    static string SklearnRefit => Path.Combine(AppContext.BaseDirectory, "fixtures", "probe", "sklearn_refit.py");

    [Fact]
    public void One_lambda_is_the_grids_middle_and_a_grid_past_a_thousand_is_refused()
    {
        // The log spacing divides by count − 1: one λ was NaN ("λ must be finite (got NaN)").
        Assert.Equal([1.0], LinearProbe.Lambdas(1));
        Assert.Equal([1e-5, 1.0, 1e5], LinearProbe.Lambdas(3), (a, b) => Math.Abs(a - b) <= 1e-12 * b);
        using var x = cat([randn(20, 3, generator: new Generator(1)) + 3, randn(20, 3, generator: new Generator(2)) - 3]);
        using var y = cat([zeros(20, ScalarType.Int64), ones(20, ScalarType.Int64)]);
        var one = LinearProbe.Run(x, y, x, y, classes: 2, lambdas: LinearProbe.Lambdas(1));
        Assert.Equal(1.0, one.Lambda);
        Assert.Equal(1.0, one.TestTop1);
        // --lambdas 100000000 ran for ten minutes at 2.4 GB with no output.
        Assert.Equal("--lambdas must be in [1, 1000] (got 1001)", Assert.Throws<ArgumentException>(() => LinearProbe.Lambdas(1001)).Message);
        Assert.Equal(["--lambdas must be in [1, 1000] (got 100000000)"], new VideoVCReg.Experiment.Probe.ProbeOptions { OutDir = "", LambdaCount = 100_000_000 }.Problems());
        Assert.Empty(new VideoVCReg.Experiment.Probe.ProbeOptions { OutDir = "", LambdaCount = 1 }.Problems());
    }

    [Theory]
    [InlineData("resnet32")]
    [InlineData("convnext-atto")]
    public void Features_are_what_the_head_reads(string arch)
    {
        manual_seed(3);
        using var net = ImagePresets.Build(ImagePresets.Get(arch), 5);
        net.eval();
        using var x = randn(6, 3, 32, 32);
        var batch = new Batch(0, x.clone(), tensor(new long[] { 0, 1, 2, 3, 4, 0 }), ["a", "b", "c", "d", "e", "f"], new int[6]);
        using var features = FeatureExtractor.Extract(net, [batch], CPU);
        using var logits = net.call(x);
        var head = (VideoVCReg.Models.Layers.AutocastLinear)net.HeadInput;
        using var again = nn.functional.linear(features.X, head.weight, head.bias);
        Assert.Equal([6L, arch == "resnet32" ? 64L : 320L], features.X.shape);
        Assert.True(again.allclose(logits, rtol: 0, atol: 1e-5), $"max difference {(again - logits).abs().max().ToSingle()}");
        Assert.Equal([0L, 1, 2, 3, 4, 0], features.Y.data<long>().ToArray());
    }

    [Fact]
    public void Backbone_loads_without_its_head_and_a_wrong_body_is_refused()
    {
        var work = Directory.CreateTempSubdirectory("backbone-").FullName;
        try
        {
            manual_seed(5);
            using var source = ImagePresets.Build(ImagePresets.Get("resnet32"), 16);
            var path = Path.Combine(work, "source.pth");
            CheckpointWriter.Save(source, path);
            using var target = ImagePresets.Build(ImagePresets.Get("resnet32"), 8);
            var headBefore = target.state_dict()["linear.weight"].clone();
            Assert.Equal("linear", TorchvisionCheckpoint.LoadBackbone(target, path));
            foreach (var (k, v) in source.state_dict().Where(kv => !kv.Key.StartsWith("linear.")))
                Assert.True(v.eq(target.state_dict()[k]).all().item<bool>(), k);
            Assert.True(headBefore.eq(target.state_dict()["linear.weight"]).all().item<bool>());

            using var other = ImagePresets.Build(ImagePresets.Get("resnet18"), 8);
            var wrong = Path.Combine(work, "resnet18.pth");
            CheckpointWriter.Save(other, wrong);
            using var again = ImagePresets.Build(ImagePresets.Get("resnet32"), 8);
            var e = Assert.Throws<InvalidDataException>(() => TorchvisionCheckpoint.LoadBackbone(again, wrong));
            Assert.StartsWith(wrong, e.Message);
            Assert.Contains("does not fit", e.Message);
        }
        finally { Directory.Delete(work, true); }
    }

    [Fact]
    public void Probe_cli_agrees_with_scikit_learn_on_the_features_it_saves()
    {
        var work = Directory.CreateTempSubdirectory("probe-cli-").FullName;
        try
        {
            var data = Path.Combine(work, "data");
            SyntheticImages.Write(data, new SynthImageOptions(TrainPerClass: 20, TestPerClass: 10), AtomicFile.Write);
            manual_seed(11);
            using var pretrained = ImagePresets.Build(ImagePresets.Get("resnet32"), 16);
            var weights = Path.Combine(work, "pretrained.pth");
            CheckpointWriter.Save(pretrained, weights);
            var features = Path.Combine(work, "features");
            var outDir = Path.Combine(work, "probe");
            var spec = $"cifar10:{Path.Combine(data, "downstream")}";
            var r = CliProcess.Run("probe", "--arch", "resnet32", "--weights", weights, "--data", spec, "--lambdas", "9",
                "--save-features", features, "--json", "--threads", "1", "--out", outDir);
            Assert.True(r.ExitCode == 0, r.Stderr);
            using var json = JsonDocument.Parse(r.Stdout.Trim());
            var root = json.RootElement;
            double lambda = root.GetProperty("lambda").GetDouble(), c = root.GetProperty("sklearn_c").GetDouble();
            var sweep = root.GetProperty("sweep").EnumerateArray().Select(p => (L: p.GetProperty("lambda").GetDouble(), V: p.GetProperty("validation_top1").GetDouble())).ToList();
            Assert.Equal(LinearProbe.Lambdas(9), sweep.Select(p => p.L));
            // The chosen λ scores best on validation; on a tie the larger (simpler) one is kept.
            Assert.Equal(sweep.Where(p => p.V == sweep.Max(q => q.V)).Max(p => p.L), lambda);
            Assert.Equal(160, root.GetProperty("train_samples").GetInt32());
            Assert.Equal(1 / (lambda * 160), c, 12);

            var sk = JsonDocument.Parse(PythonScript.Run(SklearnRefit, features, c.ToString("R", CultureInfo.InvariantCulture))).RootElement;
            Assert.Equal("float32", sk.GetProperty("dtypes").GetProperty("train_features").GetString());
            Assert.Equal("int64", sk.GetProperty("dtypes").GetProperty("test_labels").GetString());
            Assert.Equal([80, 64], sk.GetProperty("shapes").GetProperty("test_features").EnumerateArray().Select(v => v.GetInt32()));
            Assert.Equal(160, sk.GetProperty("shapes").GetProperty("train_labels")[0].GetInt32() + sk.GetProperty("shapes").GetProperty("val_labels")[0].GetInt32());
            Assert.Equal(sk.GetProperty("test_accuracy").GetDouble(), root.GetProperty("test_top1").GetDouble(), 9);
            Assert.True(sk.GetProperty("coef_relative_difference").GetDouble() < 1e-3, $"coefficients {sk.GetProperty("coef_relative_difference")} apart (relative)");

            // The saved test features are those of the pretrained backbone (not of random weights) on the plain test views.
            var source = new CifarSource(spec, ImagePresets.Get("resnet32"));
            source.Prepare(Path.Combine(work, "in-process"), CancellationToken.None);
            var fold = source.Open(1, null, new TrainOptions { BatchSize = 32 }, 0);
            using var target = ImagePresets.Build(ImagePresets.Get("resnet32"), 8);
            TorchvisionCheckpoint.LoadBackbone(target, weights);
            using var expected = FeatureExtractor.Extract(target, fold.Test!.Epoch(0, CancellationToken.None), CPU);
            using var saved = NpyFile.ReadFloat32(Path.Combine(features, "test_features.npy"));
            Assert.True(saved.allclose(expected.X, rtol: 1e-5, atol: 1e-5));

            var again = CliProcess.Run("probe", "--arch", "resnet32", "--data", spec, "--out", outDir);
            Assert.Equal(1, again.ExitCode);
            Assert.Contains("holds a finished run", again.Stderr);

            // --force with --save-features naming a file: one line before any work, and the finished probe is kept.
            var report = File.ReadAllText(Path.Combine(outDir, "report.json"));
            var aFile = Path.Combine(work, "afile");
            File.WriteAllText(aFile, "x");
            var intoFile = CliProcess.Run("probe", "--arch", "resnet32", "--weights", weights, "--data", spec, "--save-features", aFile, "--force", "--out", outDir);
            Assert.Equal(1, intoFile.ExitCode);
            Assert.Equal($"videovcreg: {aFile}: is a file, not a folder (--save-features)", intoFile.Stderr.Trim());
            Assert.Equal(report, File.ReadAllText(Path.Combine(outDir, "report.json")));
        }
        finally { Directory.Delete(work, true); }
    }

    [Fact]
    public void Adamw_probe_follows_the_recipe_through_the_training_loop()
    {
        var work = Directory.CreateTempSubdirectory("probe-adamw-").FullName;
        try
        {
            var data = Path.Combine(work, "data");
            SyntheticImages.Write(data, new SynthImageOptions(TrainPerClass: 20, TestPerClass: 10), AtomicFile.Write);
            var outDir = Path.Combine(work, "probe");
            var r = CliProcess.Run("probe", "--arch", "resnet32", "--data", $"cifar10:{Path.Combine(data, "downstream")}", "--solver", "adamw",
                "--epochs", "4", "--batch-size", "64", "--threads", "1", "--out", outDir);
            Assert.True(r.ExitCode == 0, r.Stderr);
            var epochs = File.ReadAllLines(Path.Combine(outDir, "adamw", "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal(4, epochs.Count);
            // 160 features at batch 64: three steps an epoch, the last one partial; lr 0.016 at the first step, no warm-up.
            Assert.All(epochs, e => Assert.Equal(3, e.GetProperty("steps").GetInt32()));
            Assert.Equal(0.016, epochs[0].GetProperty("lr_max").GetDouble(), 12);
            Assert.Equal(0.016 * 0.5 * (1 + Math.Cos(Math.PI * 9 / 12)), epochs[3].GetProperty("lr_max").GetDouble(), 12);
            var report = VideoVCReg.Experiment.Probe.ProbeReport.Read(outDir);
            Assert.Equal("adamw", report.Solver);
            Assert.Equal(epochs[3].GetProperty("train_loss").GetDouble(), report.FinalTrainLoss!.Value, 12);
        }
        finally { Directory.Delete(work, true); }
    }
}
