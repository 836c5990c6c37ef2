using TorchSharp;
using VideoVCReg.Decoding;
using VideoVCReg.FineTune;
using VideoVCReg.Models.Checkpoints;
using VideoVCReg.Runtime.IO;
using VideoVCReg.Tests.Support;
using VideoVCReg.Runtime.Data;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.FineTune;

/// <summary>The recipes' optimizers: each equals torch.optim's, and a run killed mid-way resumes exactly with any of them.</summary>
[Collection(GlobalRngCollection.Name)]
public class OptimizerTests
{
    static string Fixture => Path.Combine(AppContext.BaseDirectory, "fixtures", "optim", "torch_optimizers.py");

    [Fact]
    public void Sgd_nesterov_adam_and_adamw_take_torch_optims_steps_with_per_group_weight_decay()
    {
        var dir = Directory.CreateTempSubdirectory("optim-").FullName;
        try
        {
            PythonScript.Run(Fixture, dir);
            Tensor Load(string name) => NpyFile.ReadFloat32(Path.Combine(dir, name + ".npy"));
            var x = Load("x");
            var y = Load("y").to(ScalarType.Int64);
            foreach (var (name, options) in new (string, TrainOptions)[]
            {
                ("sgd", new TrainOptions { Optimizer = "sgd", Momentum = 0.9 }),
                ("nesterov", new TrainOptions { Optimizer = "sgd", Momentum = 0.9, Nesterov = true }),
                ("adam", new TrainOptions { Optimizer = "adam" }),
                ("adamw", new TrainOptions { Optimizer = "adamw" }),
            })
            {
                // PeakLr = BaseLr · batch / 256: 0.1 at batch 256.
                var recipe = options with { BatchSize = 256, BaseLr = 0.1 };
                Assert.Empty(recipe.Problems());
                var w = new TorchSharp.Modules.Parameter(Load("w0"));
                var b = new TorchSharp.Modules.Parameter(Load("b0"));
                using var optimizer = Optimizers.Create(recipe, [new ParameterGroup("decay", [w], 1, 0.05), new ParameterGroup("no_decay", [b], 1, 0)]);
                for (int i = 0; i < 5; i++)
                {
                    optimizer.zero_grad();
                    nn.functional.cross_entropy(x.matmul(w.t()) + b, y).backward();
                    optimizer.step();
                }
                Assert.True(w.allclose(Load($"{name}_w"), rtol: 0, atol: 1e-6), $"{name}: weights {(w - Load($"{name}_w")).abs().max().ToSingle():E2} apart");
                Assert.True(b.allclose(Load($"{name}_b"), rtol: 0, atol: 1e-6), $"{name}: biases {(b - Load($"{name}_b")).abs().max().ToSingle():E2} apart");
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    static SequentialNetwork Model()
    {
        manual_seed(9);
        return new SequentialNetwork(nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3)));
    }

    /// <summary>Three classes around fixed centres, fresh tensors every epoch (the loop disposes its batches).</summary>
    static TrainData Data() => new((epoch, _) => Enumerable.Range(0, 4).Select(i =>
    {
        var g = new Generator((ulong)(100 + i));
        var labels = randint(0, 3, [8], dtype: ScalarType.Int64, generator: g);
        var inputs = labels.to(ScalarType.Float32).unsqueeze(1).repeat(1, 4) + randn([8, 4], generator: g) * 0.5;
        return new Batch(i, inputs, labels, [.. Enumerable.Range(0, 8).Select(k => $"{i}-{k}")], new int[8]);
    }), 4);

    [Fact]
    public void Weight_average_copies_first_then_blends_with_torchvisions_adjusted_decay()
    {
        // torchvision: alpha = min(1, (1 − 0.99998) · 128 · 32 / 600) = 1.365e-4; decay = 1 − alpha.
        var recipe = new TrainOptions { EmaDecay = 0.99998, EmaSteps = 32, BatchSize = 128, Epochs = 600 };
        Assert.Equal(1 - 2e-5 * 128 * 32 / 600, WeightAverage.AdjustedDecay(recipe), 12);
        Assert.Equal(1 - 0.08192, WeightAverage.AdjustedDecay(recipe with { Epochs = 1 }), 12);
        Assert.Equal(0, WeightAverage.AdjustedDecay(recipe with { EmaDecay = 0.9, Epochs = 1 }), 15);   // alpha capped at 1: the average is the weights

        manual_seed(2);
        using var model = Model();
        using var ema = new WeightAverage(model, 0.75);
        var w = model.state_dict()["layers.0.weight"];
        var seen = new List<Tensor>();
        for (int i = 0; i < 3; i++)
        {
            using (no_grad()) w.add_(1.0 + i);
            seen.Add(w.clone());
            ema.Update();
        }
        // avg = w1, then 0.75·avg + 0.25·w2, then 0.75·avg + 0.25·w3.
        var expected = (seen[0] * 0.75 + seen[1] * 0.25) * 0.75 + seen[2] * 0.25;
        Assert.True(ema.State["layers.0.weight"].allclose(expected, rtol: 0, atol: 1e-6));
        Assert.Equal(3, ema.Count);
        using (ema.SwapIn()) Assert.True(model.state_dict()["layers.0.weight"].allclose(expected, rtol: 0, atol: 1e-6));
        Assert.True(model.state_dict()["layers.0.weight"].eq(seen[2]).all().item<bool>());             // restored after the swap
        ema.Restart();
        ema.Update();
        Assert.True(ema.State["layers.0.weight"].eq(w).all().item<bool>());               // after a restart the first update copies
    }

    [Fact]
    public void Warm_up_starts_at_the_recipes_share_of_the_peak()
    {
        var lrs = new List<double>();
        using var model = Model();
        var recipe = new TrainOptions { Epochs = 3, BatchSize = 8, BaseLr = 3.2, WarmupEpochs = 1, WarmupStartFactor = 0.25, MinLr = 0, LayerDecay = 1,
            LabelSmoothing = 0, Mixup = 0, Cutmix = 0, RepeatedAugment = 1 };
        var dir = Directory.CreateTempSubdirectory("warmup-").FullName;
        try
        {
            new Trainer(model, recipe, CPU) { OnStep = p => lrs.Add(p.Lr), WriteMetrics = false }.Fit(Data(), dir);
            // Peak 3.2 · 8 / 256 = 0.1; the warm-up's 4 steps go 0.025 → 0.1 (numpy linspace), then the cosine.
            Assert.Equal(0.025, lrs[0], 12);
            Assert.Equal(0.025 + 0.075 / 3, lrs[1], 12);
            Assert.Equal(0.1, lrs[3], 12);
            Assert.Equal(1e-6, new TrainOptions().WarmupStart, 15);                  // VideoMAE's start without a factor
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("sgd", true, false)]
    [InlineData("adam", false, false)]
    [InlineData("adamw", false, true)]
    [InlineData("lars", false, false)]
    public void A_run_stopped_after_an_epoch_resumes_to_the_uninterrupted_weights(string optimizer, bool nesterov, bool ema)
    {
        var work = Directory.CreateTempSubdirectory("optim-resume-").FullName;
        try
        {
            var recipe = new TrainOptions
            {
                Optimizer = optimizer, Nesterov = nesterov, Epochs = 3, BatchSize = 8, BaseLr = 3.2, WarmupEpochs = 1, MinLr = 0, LayerDecay = 1,
                LabelSmoothing = 0, Mixup = 0, Cutmix = 0, RepeatedAugment = 1, WeightDecay = 0.01,
                EmaDecay = ema ? 0.9 : null, EmaSteps = 3,
            };
            // "Validation" reports the first layer's weight sum, so the EMA's score shows which weights it saw.
            Trainer Make(SequentialNetwork model, Action<StepProgress>? onStep = null) => new(model, recipe, CPU)
            {
                SaveCheckpoint = (path, state) => CheckpointWriter.Save(model, path, state), OnStep = onStep,
                Validate = (_, _) => new Dictionary<string, double> { ["top1"] = model.state_dict()["layers.0.weight"].sum().ToDouble() },
            };
            var whole = Path.Combine(work, "whole");
            using var reference = Model();
            var straight = Make(reference).Fit(Data(), whole);

            var cut = Path.Combine(work, "cut");
            using var stopped = Model();
            using var cancel = new CancellationTokenSource();
            Assert.ThrowsAny<OperationCanceledException>(() => Make(stopped, p => { if (p.Epoch == 1 && p.Step == 2) cancel.Cancel(); }).Fit(Data(), cut, cancel.Token));
            var last = Path.Combine(cut, "checkpoint-last.pth");
            Assert.Equal(1, TrainingState.Read(last)!.EpochsDone);
            if (ema)
            {
                // Epoch 1 is the warm-up: the average restarts after each update, and its last update (step 4 of 4,
                // with an update every 3 steps) copied the weights, so the saved average is the epoch's final weights.
                var average = CheckpointFile.Read(Path.Combine(cut, "checkpoint-ema.pth"));
                var weights = CheckpointFile.Read(last);
                foreach (var (k, v) in average) Assert.True(v.eq(weights[k]).all().item<bool>(), $"{k}: the warm-up average is not the weights");
            }
            using var resumed = Model();
            TorchvisionCheckpoint.LoadStrict(resumed, CheckpointFile.Read(last), last);
            var rest = Make(resumed).Fit(Data(), cut, resumeFrom: last);

            Assert.Equal(straight.Select(r => r.TrainLoss), rest.Select(r => r.TrainLoss));
            foreach (var (k, v) in reference.state_dict())
                Assert.True(v.eq(resumed.state_dict()[k]).all().item<bool>(), $"{optimizer}: {k} differs after the resume");
            // The optimizer's own state went through the file: without it the second epoch's steps would differ.
            var state = TrainingState.Read(last)!;
            Assert.All(state.Entries, e => Assert.Contains(optimizer switch { "sgd" => "momentum_buffer", "lars" => "mu", _ => "exp_avg" }, e.Buffers.Keys));
            if (ema)
            {
                // The average went through the file too: the resumed run's checkpoint-ema.pth equals the straight run's.
                Assert.NotNull(state.Ema);
                var a = CheckpointFile.Read(Path.Combine(whole, "checkpoint-ema.pth"));
                var b = CheckpointFile.Read(Path.Combine(cut, "checkpoint-ema.pth"));
                foreach (var (k, v) in a) Assert.True(v.eq(b[k]).all().item<bool>(), $"weight average {k} differs after the resume");
                Assert.False(a["layers.0.weight"].eq(reference.state_dict()["layers.0.weight"]).all().item<bool>(), "the average equals the weights: not averaging");
                Assert.Equal(a["layers.0.weight"].sum().ToDouble(), rest[^1].Validation["ema_top1"], 5);
                Assert.Equal(reference.state_dict()["layers.0.weight"].sum().ToDouble(), rest[^1].Validation["top1"], 5);
            }
        }
        finally { Directory.Delete(work, true); }
    }
}
