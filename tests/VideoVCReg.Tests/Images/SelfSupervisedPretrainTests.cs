using Microsoft.Extensions.Logging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using VideoVCReg.Decoding.Images;
using VideoVCReg.Decoding.Transforms;
using VideoVCReg.Experiment;
using VideoVCReg.Experiment.Images;
using VideoVCReg.FineTune;
using VideoVCReg.FineTune.Objectives;
using VideoVCReg.Models.Checkpoints;
using VideoVCReg.Models.Image;
using VideoVCReg.Runtime.IO;
using VideoVCReg.Models.Regularization;
using VideoVCReg.Models.SelfSupervised;
using VideoVCReg.Tests.Support;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Images;

/// <summary>
/// `pretrain --objective simclr|vicreg`: the two-view ops against torchvision, the two-view batches, the objectives'
/// forward (one batch of 2B for SimCLR, one per view for VICReg), the checkpoint's layout and the probe reading it,
/// and an exact resume.
/// </summary>
[Collection(GlobalRngCollection.Name)]
public class SelfSupervisedPretrainTests
{
    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    static string Fixture => Path.Combine(AppContext.BaseDirectory, "fixtures", "image", "torchvision_ssl_ops.py");

    [Fact]
    public void Colour_blur_and_solarize_ops_match_torchvision_on_the_same_png()
    {
        var dir = Directory.CreateTempSubdirectory("ssl-ops-").FullName;
        try
        {
            var png = Path.Combine(dir, "image.png");
            var rng = new Random(3);
            using (var image = new Image<Rgb24>(41, 34))
            {
                for (int y = 0; y < 34; y++)
                    for (int x = 0; x < 41; x++)
                        image[x, y] = new Rgb24((byte)(128 + 110 * Math.Sin(x * 0.3)), (byte)rng.Next(256), (byte)(y * 7 % 256));
                image[0, 0] = new Rgb24(90, 90, 90);   // a grey pixel: hue of a flat colour
                image.SaveAsPng(png);
            }
            PythonScript.Run(Fixture, png, dir);
            using var loaded = Image.Load<Rgb24>(png);
            var bytes = new byte[34 * 41 * 3];
            loaded.CopyPixelDataTo(bytes);
            const int plane = 34 * 41;
            PixelOps Fresh()
            {
                var levels = new float[3 * plane];
                for (int k = 0; k < plane; k++)
                    for (int c = 0; c < 3; c++) levels[c * plane + k] = bytes[3 * k + c];
                return new PixelOps(levels, 34, 41);
            }
            double Levels(Action<PixelOps> op, string name, out double mean)
            {
                var x = Fresh();
                op(x);
                using var ours = tensor(x.Levels, [3, 34, 41]);
                using var theirs = NpyFile.ReadFloat32(Path.Combine(dir, name + ".npy")).mul(255);
                using var d = (ours - theirs).abs();
                mean = d.mean().ToDouble();
                return d.max().ToDouble();
            }
            // Hue: torchvision's float path, compared before rounding to levels; float32 HSV round trips: 2e-3 of a level.
            foreach (var f in new[] { -0.3, 0.1, 0.45 })
            {
                double max = Levels(x => x.Hue(f, round: false), $"hue_{f.ToString(System.Globalization.CultureInfo.InvariantCulture)}", out _);
                Assert.True(max <= 2e-3, $"hue {f}: max {max:G3} levels");
            }
            // PIL's integer operations, including ImageEnhance's truncating blend: the same levels (float32 k/255 round trip only).
            foreach (var (name, op) in new (string, Action<PixelOps>)[]
            {
                ("gray", x => x.Grayscale()), ("solarize", x => x.Solarize(128)),
                ("brightness", x => x.Brightness(1.3)), ("contrast", x => x.Contrast(0.6)), ("saturation", x => x.Saturation(1.7)),
            })
            {
                double max = Levels(op, name, out _);
                Assert.True(max <= 1e-3, $"{name}: max {max:G3} levels");
            }
            // torchvision blurs in float32 with a 2-d kernel and rounds; ours is separable in double: a half-level tie may round the other way.
            foreach (var (name, k, sigma) in new[] { ("blur", 5, 1.3), ("blur9", 9, 0.4) })
            {
                double max = Levels(x => x.GaussianBlur(k, sigma), name, out var mean);
                Assert.True(max <= 1 + 1e-3 && mean <= 0.01, $"{name}: max {max:F3}, mean {mean:F4} levels");
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    static ImageArray Images(int count, int seed)
    {
        var rng = new Random(seed);
        var pixels = new byte[count * 3 * 32 * 32];
        rng.NextBytes(pixels);
        return new ImageArray("test", ["a", "b"], pixels, [.. Enumerable.Range(0, count).Select(i => i % 2)]);
    }

    [Fact]
    public void Two_view_batches_are_views_of_their_own_image_seeded_by_sample_and_epoch()
    {
        var images = Images(6, 1);
        double[] mean = [0.5, 0.4, 0.3], std = [0.2, 0.25, 0.3];
        // No colour, crop of the whole image: each view is the image or its mirror, so a view of another row shows.
        var plain = new TwoViewAugmentation("plain", 0, 0, 0, 0, 0, 0, new(0, 0), new(0, 0), MinScale: 1);
        var loader = new ImageArrayLoader(images, new ImageViewOptions(mean, std, Train: true, TwoViews: plain), 4, seed: 7);
        using var m = tensor(mean.Select(v => (float)v).ToArray()).view(3, 1, 1);
        using var s = tensor(std.Select(v => (float)v).ToArray()).view(3, 1, 1);
        int flips = 0;
        foreach (var batch in loader.Epoch(0))
            using (batch)
            {
                Assert.Equal([batch.Count, 2, 3, 32, 32], batch.Inputs.shape);
                for (int i = 0; i < batch.Count; i++)
                {
                    int row = int.Parse(batch.SampleIds[i]);
                    Assert.Equal(images.Labels[row], batch.Labels[i].item<long>());
                    using var image = tensor(images.Pixels[(row * 3072)..((row + 1) * 3072)], [3, 32, 32]).to(ScalarType.Float32).div(255);
                    for (int v = 0; v < 2; v++)
                    {
                        using var back = batch.Inputs[i, v] * s + m;
                        bool same = (back - image).abs().max().ToDouble() < 1e-5, mirrored = (back - image.flip(2)).abs().max().ToDouble() < 1e-5;
                        Assert.True(same || mirrored, $"sample {row} view {v} is neither its image nor its mirror");
                        if (mirrored) flips++;
                    }
                }
            }
        Assert.InRange(flips, 1, 11);   // both outcomes of the flip occur over 12 views (fails only with probability 2^-11)

        // The SimCLR views: the same (seed, epoch) give the same batches; another epoch, other views; the two views differ.
        var simclr = new ImageArrayLoader(images, new ImageViewOptions(mean, std, Train: true, TwoViews: TwoViewAugmentation.SimClr(32)), 6, seed: 7);
        using var a = simclr.Epoch(1).Single();
        using var b = new ImageArrayLoader(images, new ImageViewOptions(mean, std, Train: true, TwoViews: TwoViewAugmentation.SimClr(32)), 6, seed: 7).Epoch(1).Single();
        using var c = simclr.Epoch(2).Single();
        Assert.Equal(a.SampleIds, b.SampleIds);
        Assert.True(Same(a.Inputs, b.Inputs));
        var inC = c.SampleIds.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i);
        for (int i = 0; i < 6; i++)
        {
            Assert.False(Same(a.Inputs[i, 0], a.Inputs[i, 1]), "the two views of a sample are equal");
            Assert.False(Same(a.Inputs[i, 0], c.Inputs[inC[a.SampleIds[i]], 0]), "another epoch gave the same view");
        }
    }

    [Fact]
    public void ImageFolder_two_views_are_views_of_their_own_file()
    {
        var root = Directory.CreateTempSubdirectory("ssl-folder-").FullName;
        try
        {
            var images = Images(4, 9);
            var files = new List<string>();
            for (int i = 0; i < 4; i++)
            {
                var dir = Path.Combine(root, "train", $"c{i % 2}");
                Directory.CreateDirectory(dir);
                using var image = new Image<Rgb24>(32, 32);
                for (int y = 0; y < 32; y++)
                    for (int x = 0; x < 32; x++)
                        image[x, y] = new Rgb24(images.Pixels[i * 3072 + y * 32 + x], images.Pixels[i * 3072 + 1024 + y * 32 + x], images.Pixels[i * 3072 + 2048 + y * 32 + x]);
                image.SaveAsPng(Path.Combine(dir, $"{i}.png"));
            }
            var set = ImageFolder.Scan(Path.Combine(root, "train"));
            var plain = new TwoViewAugmentation("plain", 0, 0, 0, 0, 0, 0, new(0, 0), new(0, 0), MinScale: 1);
            var spec = new ImageViewSpec(ImageViewKind.TwoViews, 32, 1.0, "bilinear", [0, 0, 0], [1, 1, 1], TwoViews: plain);
            var loader = new VideoVCReg.Decoding.Loading.ImageFolderLoader(set, spec, new VideoVCReg.Decoding.Loading.LoaderOptions(BatchSize: 4, Workers: 2, Seed: 1));
            using var batch = loader.Epoch(0).Single();
            Assert.Equal([4L, 2, 3, 32, 32], batch.Inputs.shape);
            for (int i = 0; i < 4; i++)
            {
                int file = int.Parse(Path.GetFileNameWithoutExtension(batch.SampleIds[i]));
                using var image = tensor(images.Pixels[(file * 3072)..((file + 1) * 3072)], [3, 32, 32]).to(ScalarType.Float32).div(255);
                for (int v = 0; v < 2; v++)
                {
                    double same = (batch.Inputs[i, v] - image).abs().max().ToDouble(), mirrored = (batch.Inputs[i, v] - image.flip(2)).abs().max().ToDouble();
                    Assert.True(Math.Min(same, mirrored) < 1e-5, $"{batch.SampleIds[i]} view {v}: {same:F3} / {mirrored:F3} from its file and its mirror");
                }
            }
            // The real augmentation: a decoded file's two views differ, and the same (seed, epoch) repeat them.
            var simclr = spec with { TwoViews = TwoViewAugmentation.SimClr(32) };
            using var a = new VideoVCReg.Decoding.Loading.ImageFolderLoader(set, simclr, new VideoVCReg.Decoding.Loading.LoaderOptions(4, 2, 1)).Epoch(3).Single();
            using var b = new VideoVCReg.Decoding.Loading.ImageFolderLoader(set, simclr, new VideoVCReg.Decoding.Loading.LoaderOptions(4, 1, 1)).Epoch(3).Single();
            Assert.True(Same(a.Inputs, b.Inputs), "two loaders (2 and 1 workers) gave other views");
            Assert.False(Same(a.Inputs[0, 0], a.Inputs[0, 1]));
        }
        finally { Directory.Delete(root, true); }
    }

    static SslNetwork Tiny(string objective) => new(ResNetCifar.R32(1), d => objective == SelfSupervisedKinds.VicReg
        ? Projector.VicReg(d, [32, 16]) : Projector.SimClr(d, [32, 16]));

    [Fact]
    public void SimCLR_runs_both_views_as_one_batch_and_VICReg_one_view_at_a_time()
    {
        using var _ = no_grad();
        manual_seed(11);
        using var x = randn(new long[] { 8, 2, 3, 32, 32 });
        var (v1, v2) = (x.select(1, 0), x.select(1, 1));
        foreach (var kind in SelfSupervisedKinds.All)
        {
            using var net = Tiny(kind);
            net.train();   // batch norm on batch statistics: which samples share a forward changes the result
            var ours = new SelfSupervisedObjective(net, kind, temperature: 0.2).Step(x, zeros(8, dtype: ScalarType.Int64), 0, 0);
            var joint = net.call(cat([v1, v2], 0));
            var (j1, j2) = (joint[..8], joint[8..]);
            var (s1, s2) = (net.call(v1), net.call(v2));
            Tensor Loss(Tensor a, Tensor b) => kind == SelfSupervisedKinds.SimClr ? SslLosses.NtXent(a, b, 0.2) : SslLosses.VicReg(a, b).Loss;
            var (expected, other) = kind == SelfSupervisedKinds.SimClr ? (Loss(j1, j2), Loss(s1, s2)) : (Loss(s1, s2), Loss(j1, j2));
            Assert.Equal(expected.ToDouble(), ours.Loss.ToDouble(), 5);
            Assert.True(Math.Abs(expected.ToDouble() - other.ToDouble()) > 1e-3, $"{kind}: the two ways of running the views agree; the check proves nothing");
            var (e1, e2) = kind == SelfSupervisedKinds.SimClr ? (j1, j2) : (s1, s2);
            Assert.Equal(SelfSupervisedObjective.PairsFound(e1, e2), ours.Correct);
        }
        using var z = randn(6, 4);
        using var swapped = z.index_select(0, tensor(new long[] { 1, 0, 2, 3, 4, 5 }));
        Assert.Equal(4, SelfSupervisedObjective.PairsFound(z, swapped));
        Assert.Equal(6, SelfSupervisedObjective.PairsFound(z, z * 3));
        Assert.Throws<ArgumentException>(() => new SelfSupervisedObjective(Tiny("simclr"), "simclr").Step(randn(4, 3, 32, 32), zeros(4), 0, 0));
    }

    /// <summary>Cancels the run as the loop logs the end of epoch 1, after its checkpoint is on disk: a kill between epochs.</summary>
    sealed class StopAfterFirstEpoch(CancellationTokenSource stop) : ILoggerFactory, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;
        public void AddProvider(ILoggerProvider provider) { }
        public void Dispose() { }
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (formatter(state, exception).StartsWith("epoch 1/")) stop.Cancel();
        }
    }

    [Fact]
    public void Pretraining_writes_backbone_and_projector_keys_the_probe_loads_and_resumes_exactly()
    {
        var work = Directory.CreateTempSubdirectory("ssl-pretrain-").FullName;
        try
        {
            var data = Path.Combine(work, "data");
            SyntheticImages.Write(data, new SynthImageOptions(TrainPerClass: 6, TestPerClass: 1), AtomicFile.Write);
            var preset = ImagePresets.Get("resnet32");
            var spec = new ImagePretrainSpec(preset, $"cifar100:{Path.Combine(data, "source")}", Objective: "vicreg", Projector: "32-16");
            ExperimentOptions Options(string dir) => new()
            {
                OutDir = dir, Seed = 3,
                Train = new TrainOptions { Epochs = 2, BatchSize = 32, BaseLr = 0.5, WarmupEpochs = 0, Optimizer = "lars", WeightDecay = 1e-6, LayerDecay = 1, LabelSmoothing = 0, Mixup = 0, Cutmix = 0, RepeatedAugment = 1 },
                // Eq. 3's scaling: Algorithm 1's covariance gradient at every block diverges within a few steps on this data
                // (VcReg.DivergenceHint); this test is about the checkpoint's keys and the resume.
                Regularizer = new RegularizerOptions { Kind = "vcreg", Placement = "blocks", Scaling = "loss" },
            };
            // Each process of the CLI seeds torch before building the model; in one process the test does.
            var whole = Path.Combine(work, "whole");
            manual_seed(3);
            var outcome = ImagePretraining.Run(spec, Options(whole), null, default);
            Assert.Null(outcome[0].Tested);
            var last = Path.Combine(whole, "split1", "checkpoint-last.pth");
            var saved = CheckpointFile.Read(last);
            Assert.All(saved.Keys, k => Assert.True(k.StartsWith("backbone.") || k.StartsWith("projector."), k));
            Assert.DoesNotContain(saved.Keys, k => k.StartsWith("backbone.linear."));   // the unused classifier is not saved
            Assert.Contains("projector.3.weight", saved.Keys);                          // VICReg's Linear-BN-ReLU-Linear
            Assert.False(saved.ContainsKey("projector.3.bias"));

            // The probe's loader takes the backbone under torchvision's names and leaves the projector.
            using var probeNet = ResNetCifar.R32(5);
            TorchvisionCheckpoint.LoadBackbone(probeNet, last);
            var state = probeNet.state_dict();
            foreach (var key in new[] { "conv1.weight", "layer3.4.bn2.running_var" })
                Assert.True(Same(state[key], saved["backbone." + key]), key);

            // As the start of a supervised run: the backbone is loaded, the classifier starts fresh for the new classes
            // (at lr 1e-12 the weights stay the SSL backbone's).
            var supervised = Path.Combine(work, "supervised");
            ImagePretraining.Run(new ImagePretrainSpec(preset, $"cifar10:{Path.Combine(data, "downstream")}", Start: last), Options(supervised) with
            {
                Train = Options(supervised).Train with { Epochs = 1, BaseLr = 1e-12, MinLr = 0, Optimizer = "adamw", WeightDecay = 0 },
            }, null, default);
            var tuned = CheckpointFile.Read(Path.Combine(supervised, "split1", "checkpoint-last.pth"));
            Assert.True((tuned["conv1.weight"] - saved["backbone.conv1.weight"]).abs().max().ToDouble() < 1e-6);
            Assert.Equal([8L, 64], tuned["linear.weight"].shape);

            // Killed after epoch 1 (between epochs), then the same call again: the same weights, bit for bit.
            var resumed = Path.Combine(work, "resumed");
            using var stop = new CancellationTokenSource();
            manual_seed(3);
            Assert.ThrowsAny<OperationCanceledException>(() => ImagePretraining.Run(spec, Options(resumed), new StopAfterFirstEpoch(stop), stop.Token));
            Assert.False(File.Exists(Path.Combine(resumed, RunFolder.FinishedMarker)));
            ImagePretraining.Run(spec, Options(resumed), null, default);
            var again = CheckpointFile.Read(Path.Combine(resumed, "split1", "checkpoint-last.pth"));
            Assert.Equal(saved.Keys.Order(), again.Keys.Order());
            foreach (var (k, v) in saved) Assert.True(Same(v, again[k]), $"{k} differs after the resume");
            Assert.Equal(File.ReadAllText(Path.Combine(whole, "split1", "metrics.jsonl")).Split('\n').Select(l => l.Split("\"seconds\"")[0]),
                File.ReadAllText(Path.Combine(resumed, "split1", "metrics.jsonl")).Split('\n').Select(l => l.Split("\"seconds\"")[0]));
        }
        finally { Directory.Delete(work, true); }
    }

    [Fact]
    public void Bad_objective_settings_are_one_line_each()
    {
        var preset = ImagePresets.Get("resnet32");
        Assert.Contains("--objective must be supervised, simclr or vicreg (got 'byol')", new ImagePretrainSpec(preset, "synthetic", Objective: "byol").Problem());
        Assert.Contains("--projector must be widths", new ImagePretrainSpec(preset, "synthetic", Objective: "simclr", Projector: "64-0").Problem());
        Assert.Contains("--projector applies to", new ImagePretrainSpec(preset, "synthetic", Projector: "64").Problem());
        Assert.Contains("--temperature must be in (0, 100]", new ImagePretrainSpec(preset, "synthetic", Objective: "simclr", Temperature: 0).Problem());
        var cli = CliProcess.Run("pretrain", "--objective", "simclr", "--out", Path.Combine(Path.GetTempPath(), "never-written"));
        Assert.Equal(1, cli.ExitCode);
        Assert.Contains("are for image backbones (--arch)", cli.Stderr);
    }
}
