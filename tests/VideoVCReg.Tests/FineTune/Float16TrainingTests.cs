using TorchSharp;
using VideoVCReg.FineTune;
using VideoVCReg.Models.Checkpoints;
using VideoVCReg.Models.Regularization;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.FineTune;

/// <summary>`--amp --amp-dtype float16`: GradScaler's update rule, and a float16 run that overflows, backs off and learns.</summary>
[Collection(VideoVCReg.Tests.Support.GlobalRngCollection.Name)]
public class Float16TrainingTests
{
    [Fact]
    public void The_scaler_backs_off_on_overflow_and_grows_after_an_interval_of_finite_steps()
    {
        var s = new LossScaler(initialScale: 8, growthInterval: 3);
        // GradScaler's _amp_update_scale_: ×0.5 and the tracker reset on inf; ×2 on the interval-th finite step in a row.
        (bool Finite, double Scale, int Tracker)[] expected =
        [
            (true, 8, 1), (true, 8, 2), (true, 16, 0), (false, 8, 0), (true, 8, 1), (false, 4, 0),
            (true, 4, 1), (true, 4, 2), (true, 8, 0), (true, 8, 1),
        ];
        foreach (var (finite, scale, tracker) in expected)
        {
            Assert.Equal(finite, s.Update(finite));
            Assert.Equal(scale, s.Scale);
            Assert.Equal(tracker, s.GrowthTracker);
        }
        s.Restore(1024, 2);
        Assert.Equal((1024.0, 2), (s.Scale, s.GrowthTracker));
        Assert.Throws<InvalidDataException>(() => s.Restore(double.PositiveInfinity, 0));
        Assert.Throws<InvalidDataException>(() => s.Restore(8, 3));
    }

    [Fact]
    public void Float16_training_skips_overflowing_steps_unscales_the_rest_and_learns()
    {
        var dir = Directory.CreateTempSubdirectory("trainer-fp16-").FullName;
        try
        {
            manual_seed(3);
            using var model = TinyVideo.Model();
            var batches = TinyVideo.Batches(6, 8, 3, seed: 4);
            // Plain SGD: gradients applied still scaled by 2³⁰ (no unscale), or an overflowed step applied, would blow the
            // weights up, which the loop's non-finite check turns into a failed run.
            var options = new TrainOptions
            {
                Epochs = 6, BatchSize = 8, BaseLr = 3.2, WarmupEpochs = 1, MinLr = 1e-4, LayerDecay = 1.0, LabelSmoothing = 0.0,
                Mixup = 0, Cutmix = 0, Optimizer = "sgd", WeightDecay = 0, Amp = true, AmpDtype = "float16",
            };
            var trainer = new Trainer(model, options, CPU)
            {
                // 2³⁰ overflows float16's 65,504 in the backward of the first steps: those are skipped until the scale fits.
                InitialLossScale = 1 << 30,
                Regularization = (new VcReg(new VcRegOptions { Alpha = 1, Beta = 0.1 }, fast: true), Placement.Head),
                SaveCheckpoint = (path, state) => CheckpointWriter.Save(model, path, state),
            };
            var records = trainer.Fit(new TrainData((_, _) => TinyVideo.AsClipBatches(batches), 6), dir);
            var state = TrainingState.Read(Path.Combine(dir, "checkpoint-last.pth"))!;
            Assert.NotNull(state.LossScale);
            double halvings = Math.Log2((1 << 30) / state.LossScale!.Value);
            Assert.True(halvings >= 1 && halvings == Math.Round(halvings), $"loss scale {state.LossScale}: expected 2³⁰ halved a whole number of times");
            Assert.True(halvings < 36, "every step was skipped");
            // No growth within 2,000 steps, so every halving is one skipped step; the tracker counts finite steps since the last.
            Assert.InRange(state.LossScaleGrowth, 1, 36 - (int)halvings);
            Assert.True(records[^1].TrainLoss < 0.5 * records[0].TrainLoss, $"loss {records[0].TrainLoss:F3} → {records[^1].TrainLoss:F3}");
            Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        }
        finally { Directory.Delete(dir, true); }
    }
}
