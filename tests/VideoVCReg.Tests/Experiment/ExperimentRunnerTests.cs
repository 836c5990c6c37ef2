using System.Text.Json;
using VideoVCReg.Experiment;
using VideoVCReg.FineTune;
using VideoVCReg.Models.Checkpoints;
using VideoVCReg.Models.Image;
using VideoVCReg.Runtime.IO;
using VideoVCReg.Tests.FineTune;
using VideoVCReg.Tests.ImageModels;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Experiment;

/// <summary>
/// The experiment layer on its own: any data source, any network under the model contract, folds, the run
/// folder's rules (finished refused, reused only with the same settings), and a source with no test set.
/// </summary>
[Collection(Support.GlobalRngCollection.Name)]
public class ExperimentRunnerTests
{
    static readonly TrainOptions Quick = new()
    {
        Epochs = 3, BatchSize = 6, BaseLr = 3e-3 * 256 / 6, WarmupEpochs = 0, LayerDecay = 1, Mixup = 0, Cutmix = 0, RepeatedAugment = 1,
    };

    static ExperimentOptions Options(string dir, TrainOptions? train = null) => new()
    {
        OutDir = dir, Train = train ?? Quick, Seed = 5, Title = "test run",
        Regularizer = new VideoVCReg.Models.Regularization.RegularizerOptions { Kind = "none" },
        Resolved = new Dictionary<string, object?> { ["model"] = "tiny" },
    };

    static BuiltModel TinyVit(int classes, string? from) => from is null
        ? new BuiltModel(TinyVideo.Model(classes), "tiny", "random weights")
        : new BuiltModel(PretrainedLoader.Load(TinyVideo.Config(classes), from).Model, "tiny", from);

    [Fact]
    public void Runs_every_fold_and_reports_the_mean_of_their_tests()
    {
        var dir = Directory.CreateTempSubdirectory("experiment-folds-").FullName;
        try
        {
            var source = new InMemorySource([3, 4, 32, 32]);
            var outcomes = new ExperimentRunner(Options(dir)).Run(source, TinyVit);
            Assert.Equal([1, 2], outcomes.Select(o => o.Fold));
            var top1 = new List<double>();
            foreach (var o in outcomes)
            {
                using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, $"split{o.Fold}", "results.json")));
                var predictions = results.RootElement.GetProperty("predictions").EnumerateArray().ToList();
                Assert.Equal(12, predictions.Count);
                double share = (double)predictions.Count(p => p.GetProperty("label").GetInt32() == p.GetProperty("predicted").GetInt32()) / predictions.Count;
                Assert.Equal(share, results.RootElement.GetProperty("test").GetProperty("top1").GetDouble(), 12);
                Assert.Equal(share, o.Tested!.Test.Top1, 12);
                Assert.Equal(3, File.ReadAllLines(Path.Combine(dir, $"split{o.Fold}", "metrics.jsonl")).Length);
                top1.Add(share);
            }
            // The class is a brighter channel: three epochs learn it, on both folds.
            Assert.All(top1, t => Assert.True(t >= 0.75, $"fold test top-1 {t:P0}"));
            using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "report.json")));
            Assert.Equal(top1.Average(), report.RootElement.GetProperty("mean").GetProperty("top1").GetDouble(), 12);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void A_finished_run_is_refused_reused_only_with_the_same_settings_and_replaced_with_force()
    {
        var dir = Directory.CreateTempSubdirectory("experiment-reuse-").FullName;
        try
        {
            var source = new InMemorySource([3, 4, 32, 32], folds: 1);
            var first = new ExperimentRunner(Options(dir)).Run(source, TinyVit);
            var metrics = Path.Combine(dir, "split1", "metrics.jsonl");
            var written = File.GetLastWriteTimeUtc(metrics);

            var refused = Assert.Throws<IOException>(() => new ExperimentRunner(Options(dir)).Run(source, TinyVit));
            Assert.Contains("holds a finished run", refused.Message);

            int opened = source.Opened;
            var reused = new ExperimentRunner(Options(dir) with { ReuseFinished = true }).Run(source, TinyVit);
            Assert.Equal(opened, source.Opened);                                  // nothing trained or tested again
            Assert.Equal(written, File.GetLastWriteTimeUtc(metrics));
            Assert.Equal(first[0].Tested!.Test.Top1, reused[0].Tested!.Test.Top1, 12);
            Assert.Equal(first[0].Epochs.Select(e => e.TrainLoss), reused[0].Epochs.Select(e => e.TrainLoss));

            // Other settings are another run: not reused, and not silently replaced either.
            var other = Options(dir, Quick with { Epochs = 2 }) with { ReuseFinished = true };
            Assert.Equal($"{dir}: holds a finished run with other settings (spec.train.epochs: 3 then, 2 now), so it is not reused; use --force to replace it, or choose another --out",
                Assert.Throws<IOException>(() => new ExperimentRunner(other).Run(source, TinyVit)).Message);
            new ExperimentRunner(other with { Force = true }).Run(source, TinyVit);
            Assert.Equal(2, File.ReadAllLines(metrics).Length);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void A_run_whose_recipe_regularizer_or_seed_is_not_its_specs_is_refused_before_anything_is_written()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"experiment-spec-{Guid.NewGuid():N}");
        var spec = new VideoVCReg.Experiment.Specs.PretrainSpec { Train = Quick, Regularizer = Options(dir).Regularizer, Seed = 5 };
        _ = new ExperimentRunner(Options(dir) with { Spec = spec });
        foreach (var wrong in new VideoVCReg.Experiment.Specs.PretrainSpec[] { spec with { Seed = 6 }, spec with { Train = Quick with { Epochs = 4 } },
            spec with { Regularizer = spec.Regularizer with { Kind = "vcreg" } } })
        {
            var e = Assert.Throws<InvalidOperationException>(() => new ExperimentRunner(Options(dir) with { Spec = wrong }));
            Assert.Equal($"{dir}: the run's recipe, regularizer or seed is not its spec's, so settings.json would not record what runs", e.Message);
        }
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public void A_source_without_a_test_set_trains_and_marks_the_run_finished()
    {
        var dir = Directory.CreateTempSubdirectory("experiment-pretrain-").FullName;
        try
        {
            var outcomes = new ExperimentRunner(Options(dir)).Run(new InMemorySource([3, 4, 32, 32], folds: 1, withTest: false), TinyVit);
            Assert.Null(outcomes[0].Tested);
            using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, RunFolder.FinishedMarker)));
            var fold = report.RootElement.GetProperty("folds")[0];
            Assert.Equal(outcomes[0].Epochs[^1].TrainLoss, fold.GetProperty("final_train_loss").GetDouble(), 12);
            Assert.Equal(3, fold.GetProperty("epochs").GetInt32());
            // The weights are the run's result: they load as a VideoMAE checkpoint.
            using var loaded = PretrainedLoader.Load(TinyVideo.Config(3), fold.GetProperty("checkpoint").GetString()!).Model;
            Assert.Null(JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "split1", "results.json"))).RootElement.TryGetProperty("test", out _) ? "test" : null);
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>
    /// The model contract, not a type test, is what the loop needs: a torchvision ResNet trains and tests through
    /// the same runner, and its best checkpoint is a bare torchvision state_dict that torchvision itself loads
    /// strictly and computes the same logits from.
    /// </summary>
    [Fact]
    public void A_torchvision_resnet_trains_through_the_same_runner_and_saves_in_torchvision_layout()
    {
        var dir = Directory.CreateTempSubdirectory("experiment-resnet-").FullName;
        try
        {
            // The random initialisation comes from torch's global generator: seeded, as the CLI seeds it, so the
            // outcome does not depend on which tests ran before.
            manual_seed(1);   // seeds 1–6 each pass alone (checked)
            var outcomes = new ExperimentRunner(Options(dir)).Run(new InMemorySource([3, 32, 32], folds: 1),
                (classes, from) =>
                {
                    var net = new ResNet(bottleneck: false, [1, 1, 1, 1], numClasses: classes);
                    if (from is not null) TorchvisionCheckpoint.LoadStrict(net, from);
                    return new BuiltModel(net, "resnet-1111", from ?? "random weights");
                });
            Assert.True(outcomes[0].Tested!.Test.Top1 >= 0.75, $"test top-1 {outcomes[0].Tested!.Test.Top1:P0}");

            var best = Path.Combine(dir, "split1", "checkpoint-best.pth");
            Support.PythonScript.Run(ImageFixtures.File("check_torchvision_checkpoint.py"), "resnet_basic_1111", best, "3", dir);
            using var net = new ResNet(bottleneck: false, [1, 1, 1, 1], numClasses: 3);
            TorchvisionCheckpoint.LoadStrict(net, best);
            net.eval();
            using var _ = no_grad();
            var logits = net.call(NpyFile.ReadFloat32(Path.Combine(dir, "input.npy")));
            var want = NpyFile.ReadFloat32(Path.Combine(dir, "logits.npy"));
            Assert.True(ImageFixtures.MaxAbsDiff(logits, want) <= 1e-4 * Math.Max(1, want.abs().max().item<float>()));
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>
    /// ConvNeXt and the image ViT go through the same runner and loop as the video ViT (reduced sizes, same code):
    /// they learn the in-memory task, and their last checkpoint loads back strictly into the same architecture and
    /// scores the test set exactly as the run did, the training state beside the weights notwithstanding.
    /// </summary>
    [Theory]
    [InlineData("convnext")]
    [InlineData("vit")]
    public void Image_backbones_train_through_the_same_runner_and_round_trip_their_checkpoint(string arch)
    {
        var dir = Directory.CreateTempSubdirectory($"experiment-{arch}-").FullName;
        try
        {
            VideoVCReg.Models.Network Make(int classes) => arch == "convnext"
                ? new ConvNeXt([1, 1], [8, 16], classes, stochasticDepth: 0)
                : new VitImage(32, 16, 16, depth: 2, heads: 2, mlpDim: 32, numClasses: classes);
            var source = new InMemorySource([3, 32, 32], folds: 1);
            var outcomes = new ExperimentRunner(Options(dir, Quick with { Epochs = 4 })).Run(source,
                (classes, from) =>
                {
                    var net = Make(classes);
                    if (from is not null) TorchvisionCheckpoint.LoadStrict(net, from);
                    return new BuiltModel(net, arch, from ?? "random weights");
                });
            Assert.True(outcomes[0].Tested!.Test.Top1 >= 0.75, $"{arch}: test top-1 {outcomes[0].Tested!.Test.Top1:P0}");
            using var again = Make(3);
            TorchvisionCheckpoint.LoadStrict(again, Path.Combine(dir, "split1", "checkpoint-last.pth"));
            var test = source.Open(1, again.Input, Quick, 5).Test!;
            var rescored = VideoVCReg.Eval.Evaluator.Run(again, test.Epoch(0, default), CPU);
            Assert.Equal(outcomes[0].Tested!.Test.Top1, rescored.Top1, 12);
            Assert.Equal(outcomes[0].Tested!.Test.Predictions.Select(p => p.Confidence), rescored.Predictions.Select(p => p.Confidence), (a, b) => Math.Abs(a - b) < 1e-6);
            Assert.Equal(4, VideoVCReg.FineTune.TrainingState.Read(Path.Combine(dir, "split1", "checkpoint-last.pth"))!.EpochsDone);
        }
        finally { Directory.Delete(dir, true); }
    }
}
