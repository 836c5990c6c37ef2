using VideoVCReg.Decoding;
using TorchSharp;
using VideoVCReg.FineTune;
using VideoVCReg.Models;
using VideoVCReg.Models.Checkpoints;
using VideoVCReg.Models.Regularization;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.FineTune;

[Collection(VideoVCReg.Tests.Support.GlobalRngCollection.Name)]
public class TrainerTests
{
    static TrainOptions Recipe(int epochs) => new()
    {
        Epochs = epochs, BatchSize = 8, BaseLr = 0.1, WarmupEpochs = 1, MinLr = 1e-5, LayerDecay = 1.0, LabelSmoothing = 0.0,
        Mixup = 0, Cutmix = 0, // plain cross-entropy: these tests check the loop, RecipeTests the mixing
    };

    [Fact]
    public void Learns_a_separable_task_and_writes_metrics_and_checkpoints()
    {
        var dir = Directory.CreateTempSubdirectory("trainer-").FullName;
        try
        {
            torch.manual_seed(3);
            using var model = TinyVideo.Model();
            var batches = TinyVideo.Batches(6, 8, 3, seed: 4);
            var reg = new VcReg(new VcRegOptions { Alpha = 1, Beta = 0.1 }, fast: true, logStats: true);
            var trainer = new Trainer(model, Recipe(6), CPU)
            {
                Regularization = (reg, Placement.Head),
                SaveCheckpoint = (path, state) => CheckpointWriter.Save(model, path, state),
                Validate = (_, _) => new Dictionary<string, double> { ["top1"] = 0.5 },
            };
            var records = trainer.Fit(new TrainData((_, _) => TinyVideo.AsClipBatches(batches), 6), dir);
            Assert.Equal(6, records.Count);
            Assert.True(records[^1].TrainLoss < 0.5 * records[0].TrainLoss, $"loss {records[0].TrainLoss:F3} → {records[^1].TrainLoss:F3}");
            Assert.True(records[^1].TrainAccuracy >= 0.9, $"train accuracy {records[^1].TrainAccuracy:P0}");
            Assert.True(records.All(r => r.Regularizer["vcreg_var"] > 0), "the fast VCReg's logged variance term is missing");
            Assert.Equal(6, File.ReadAllLines(Path.Combine(dir, "metrics.jsonl")).Length);
            Assert.Empty(Directory.GetFiles(dir, "*.partial"));
            // The last checkpoint is the final model, loadable as a VideoMAE checkpoint.
            var loaded = PretrainedLoader.Load(TinyVideo.Config(), Path.Combine(dir, "checkpoint-last.pth")).Model;
            var x = batches[0].Clips;
            model.eval(); loaded.eval();
            using (no_grad()) Assert.True((model.call(x) - loaded.call(x)).abs().max().item<float>() < 1e-5);
            Assert.True(File.Exists(Path.Combine(dir, "checkpoint-best.pth")));
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>Returns NaN logits from training step <c>badStep</c> on.</summary>
    sealed class TurnsNan : Network
    {
        readonly VisionTransformer inner;
        readonly int badStep;
        int steps;

        public TurnsNan(VisionTransformer inner, int badStep) : base("TurnsNan")
        {
            this.inner = inner;
            this.badStep = badStep;
            RegisterComponents();
        }

        public override nn.Module<Tensor, Tensor> HeadInput => inner.HeadInput;
        public override IReadOnlyList<nn.Module<Tensor, Tensor>> BlockModules => inner.BlockModules;
        public override long Classes => inner.Classes;

        public override Tensor forward(Tensor x)
        {
            var y = inner.call(x);
            return training && steps++ >= badStep ? y * double.NaN : y;
        }
    }

    [Fact]
    public void Nan_loss_stops_the_run_and_keeps_the_last_good_checkpoint()
    {
        var dir = Directory.CreateTempSubdirectory("trainer-nan-").FullName;
        try
        {
            using var inner = TinyVideo.Model();
            var model = new TurnsNan(inner, badStep: 8);                 // 6 steps per epoch: fails in the second epoch
            var batches = TinyVideo.Batches(6, 8, 3, seed: 5);
            byte[]? afterFirst = null;
            var trainer = new Trainer(model, Recipe(3), CPU)
            {
                SaveCheckpoint = (path, state) => CheckpointWriter.Save(inner, path, state),
                Validate = (epoch, _) =>
                {
                    if (epoch == 0) afterFirst = CheckpointBytes(inner);
                    return new Dictionary<string, double>();
                },
            };
            var e = Assert.Throws<NonFiniteLossException>(() => trainer.Fit(new TrainData((_, _) => TinyVideo.AsClipBatches(batches), 6), dir));
            var last = Path.Combine(dir, "checkpoint-last.pth");
            Assert.Equal(last, e.LastCheckpoint);
            Assert.Equal(1, e.Epoch);
            Assert.Contains("loss is NaN", e.Message);
            Assert.Contains(last, e.Message);
            Assert.Equal(afterFirst, CheckpointBytes(PretrainedLoader.Load(TinyVideo.Config(), last).Model));
            Assert.Single(File.ReadAllLines(Path.Combine(dir, "metrics.jsonl")));
            using (no_grad()) Assert.All(inner.parameters(), p => Assert.True(isfinite(p).all().item<bool>(), "the NaN step reached the weights"));
        }
        finally { Directory.Delete(dir, true); }
    }

    static byte[] CheckpointBytes(VisionTransformer m) =>
        [.. m.state_dict().OrderBy(kv => kv.Key).SelectMany(kv => kv.Value.cpu().to_type(float32).data<float>().ToArray().SelectMany(BitConverter.GetBytes))];

    [Fact]
    public void Explicit_regularizer_loss_is_part_of_the_training_loss()
    {
        // Both runs start from the same weights (a global seed would race with tests running in parallel).
        using var first = TinyVideo.Model();
        var start = first.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var batches = TinyVideo.Batches(2, 8, 3, seed: 6);
        double Loss(FeatureRegularizer? reg)
        {
            using var model = TinyVideo.Model();
            model.load_state_dict(start);
            var trainer = new Trainer(model, Recipe(1) with { WarmupEpochs = 0, BaseLr = 1e-9, MinLr = 0 }, CPU)
            {
                Regularization = reg is null ? null : (reg, Placement.Blocks),
            };
            var dir = Directory.CreateTempSubdirectory("trainer-reg-").FullName;
            try { return trainer.Fit(new TrainData((_, _) => TinyVideo.AsClipBatches(batches), 2), dir)[0].TrainLoss; }
            finally { Directory.Delete(dir, true); }
        }
        double plain = Loss(null), decov = Loss(new DeCov(1.0));
        Assert.True(decov > plain + 1e-3, $"DeCov added nothing: {plain} vs {decov}");
    }
}
