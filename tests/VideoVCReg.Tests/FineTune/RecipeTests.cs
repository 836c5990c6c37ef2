using VideoVCReg.Decoding;
using TorchSharp;
using VideoVCReg.Decoding.Datasets;
using VideoVCReg.Decoding.Loading;
using VideoVCReg.FineTune;
using VideoVCReg.Models;
using VideoVCReg.Models.Checkpoints;
using VideoVCReg.Models.Regularization;
using VideoVCReg.Tests.Decoding;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.FineTune;

/// <summary>The rest of VideoMAE's recipe, each part against a case worked out by hand.</summary>
public class RecipeTests
{
    [Fact]
    public void Soft_targets_fold_label_smoothing_in_as_timm_and_the_loss_is_their_cross_entropy()
    {
        // K = 3, s = 0.1: off = 0.1/3, on = 0.9 + 0.1/3. Labels [0, 2], λ = 0.7: row 0 = 0.7·smooth(0) + 0.3·smooth(2).
        var y = tensor(new long[] { 0, 2 });
        var t = Mixup.Targets(y, 3, 0.1, 0.7);
        double off = 0.1 / 3, on = 0.9 + off;
        double[] expected = [0.7 * on + 0.3 * off, off, 0.7 * off + 0.3 * on, 0.3 * on + 0.7 * off, off, 0.3 * off + 0.7 * on];
        Assert.Equal(expected, t.to(ScalarType.Float64).data<double>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-6);

        var logits = tensor(new float[] { 2, 0, -1, 0.5f, 1, 0 }, [2, 3]);
        double LogSoftmax(double[] z, int i) => z[i] - Math.Log(z.Sum(Math.Exp));
        double[][] z = [[2, 0, -1], [0.5, 1, 0]];
        double hand = -Enumerable.Range(0, 2).Sum(r => Enumerable.Range(0, 3).Sum(c => expected[r * 3 + c] * LogSoftmax(z[r], c))) / 2;
        Assert.Equal(hand, Mixup.SoftTargetLoss(logits, t).item<float>(), 5);
        // With λ = 1 and no mixing it is cross-entropy with label smoothing.
        Assert.Equal(nn.functional.cross_entropy(logits, y, label_smoothing: 0.1).item<float>(),
            Mixup.SoftTargetLoss(logits, Mixup.Targets(y, 3, 0.1, 1.0)).item<float>(), 5);
    }

    [Fact]
    public void Mixup_blends_each_clip_with_the_batch_reversed_by_the_drawn_lambda()
    {
        var x = randn([2, 3, 4, 8, 8], generator: new Generator(1));
        var (mixed, lam, cut) = new Mixup(MixupAlpha: 0.8, CutmixAlpha: 0).Mix(x, new Random(5));
        Assert.False(cut);
        Assert.InRange(lam, 1e-6, 1 - 1e-6);
        var expected = x * lam + x.flip(0) * (1 - lam);
        Assert.True(mixed.allclose(expected, rtol: 0, atol: 1e-6));
        Assert.True(mixed[0].allclose(x[0] * lam + x[1] * (1 - lam), rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void Cutmix_pastes_one_box_over_height_and_width_of_every_frame_and_lambda_is_the_area_kept()
    {
        var x = arange(2 * 3 * 4 * 16 * 20, dtype: ScalarType.Float32).reshape(2, 3, 4, 16, 20);
        for (int seed = 0; seed < 20; seed++)
        {
            var (mixed, lam, cut) = new Mixup(MixupAlpha: 0, CutmixAlpha: 1.0).Mix(x, new Random(seed));
            Assert.True(cut);
            var fromOther = mixed.eq(x.flip(0));        // pixels that came from the other clip
            var changed = mixed.ne(x);
            Assert.True(fromOther.ge(changed).all().item<bool>());
            // The same box in every channel and frame: a [H, W] mask repeated.
            var mask = changed[0, 0, 0];
            Assert.True(changed.eq(mask.expand_as(changed)).all().item<bool>(), $"seed {seed}: the box differs across frames or channels");
            long area = mask.sum().item<long>();
            Assert.Equal(1 - area / (16.0 * 20), lam, 12);
        }
    }

    [Fact]
    public void Cutmix_box_sides_follow_the_square_root_of_one_minus_lambda()
    {
        for (int seed = 0; seed < 200; seed++)
        {
            double lam = 0.3 + 0.4 * (seed % 5) / 4;
            var (y0, y1, x0, x1) = Mixup.Box(160, 200, lam, new Random(seed));
            long cutH = (long)(160 * Math.Sqrt(1 - lam)), cutW = (long)(200 * Math.Sqrt(1 - lam));
            Assert.InRange(y1 - y0, 0, cutH / 2 * 2);
            Assert.InRange(x1 - x0, 0, cutW / 2 * 2);
            // Unclipped boxes (centre far from the edges) have the full sides.
            long cy = (y0 + y1) / 2, cx = (x0 + x1) / 2;
            if (y0 > 0 && y1 < 160) Assert.Equal(cutH / 2 * 2, y1 - y0);
            if (x0 > 0 && x1 < 200) Assert.Equal(cutW / 2 * 2, x1 - x0);
        }
    }

    [Theory]
    [InlineData(0.8)]
    [InlineData(1.0)]
    [InlineData(0.2)]
    public void Beta_draws_have_the_mean_and_variance_of_beta_a_a(double a)
    {
        var rng = new Random(11);
        var draws = Enumerable.Range(0, 40000).Select(_ => Mixup.Beta(rng, a)).ToArray();
        double mean = draws.Average(), variance = draws.Select(d => (d - mean) * (d - mean)).Average();
        Assert.Equal(0.5, mean, 2);
        Assert.Equal(1 / (4 * (2 * a + 1)), variance, 2);
        Assert.All(draws, d => Assert.InRange(d, 0, 1));
    }

    [Fact]
    public void Two_accumulated_micro_batches_make_the_step_of_one_double_batch()
    {
        var batches = TinyVideo.Batches(1, 4, 3, seed: 9);
        var (x, y) = batches[0];
        var options = new TrainOptions
        {
            Epochs = 1, WarmupEpochs = 0, BaseLr = 0.5, MinLr = 0, LayerDecay = 0.75, LabelSmoothing = 0.1, Mixup = 0, Cutmix = 0,
        };
        torch.manual_seed(2);
        using var a = TinyVideo.Model();
        using var b = TinyVideo.Model();
        b.load_state_dict(a.state_dict());
        // One step over the 4 clips at once, against two micro-batches of 2 with --update-freq 2: the same peak lr (4·1 = 2·2).
        new Trainer(a, options with { BatchSize = 4 }, CPU).Fit(new TrainData((_, _) => TinyVideo.AsClipBatches([(x, y)]), 1), Temp());
        var halves = new List<(Tensor, Tensor)> { (x[..2], y[..2]), (x[2..], y[2..]) };
        new Trainer(b, options with { BatchSize = 2, UpdateFreq = 2 }, CPU).Fit(new TrainData((_, _) => TinyVideo.AsClipBatches(halves), 2), Temp());
        // Adam's first step is ±lr whatever the gradient's scale, so the weights alone would not show a missing 1/k:
        // the accumulated gradients (left on the parameters by the last step) must match too.
        AssertSameGradients(a, b);
        AssertSameWeights(a, b, 2e-6);
    }

    [Fact]
    public void Accumulating_scales_the_fast_vcreg_gradient_like_the_loss()
    {
        // The same micro-batch twice with --update-freq 2 must give exactly the step of it once: the fast VCReg's
        // injected gradient is averaged over micro-batches as the loss is.
        var (x, y) = TinyVideo.Batches(1, 4, 3, seed: 12)[0];
        var options = new TrainOptions { Epochs = 1, WarmupEpochs = 0, BaseLr = 0.5, MinLr = 0, LayerDecay = 1, LabelSmoothing = 0, Mixup = 0, Cutmix = 0, BatchSize = 4 };
        torch.manual_seed(4);
        using var a = TinyVideo.Model();
        using var b = TinyVideo.Model();
        b.load_state_dict(a.state_dict());
        var strong = new VcRegOptions { Alpha = 25, Beta = 5 };
        new Trainer(a, options, CPU) { Regularization = (new VcReg(strong), Placement.Blocks) }
            .Fit(new TrainData((_, _) => TinyVideo.AsClipBatches([(x, y)]), 1), Temp());
        // Half the batch size per micro-batch keeps the peak lr of the single step (4·1 = 2·2) with the full batch each time.
        new Trainer(b, options with { BatchSize = 2, UpdateFreq = 2 }, CPU) { Regularization = (new VcReg(strong), Placement.Blocks) }
            .Fit(new TrainData((_, _) => TinyVideo.AsClipBatches([(x, y), (x, y)]), 2), Temp());
        AssertSameGradients(a, b);
        AssertSameWeights(a, b, 2e-6);
    }

    [Fact]
    public void The_training_loss_is_cross_entropy_with_the_asked_label_smoothing()
    {
        // A learning rate so small the one step changes nothing measurable: the epoch's loss is the loss of the
        // starting weights, which a plain cross-entropy (a dropped smoothing) would not give.
        var (x, y) = TinyVideo.Batches(1, 6, 3, seed: 21)[0];
        torch.manual_seed(8);
        using var model = TinyVideo.Model();
        double smoothed, plain;
        using (no_grad())
        {
            // A fresh head is scaled near zero (uniform logits, where smoothing changes little): make it confident.
            foreach (var p in model.Head.parameters()) p.mul_(500);
            model.train();
            using var logits = model.call(x);
            smoothed = nn.functional.cross_entropy(logits, y, label_smoothing: 0.2).item<float>();
            plain = nn.functional.cross_entropy(logits, y).item<float>();
        }
        Assert.True(Math.Abs(smoothed - plain) > 1e-3, "the case cannot tell smoothing from none");
        var options = new TrainOptions { Epochs = 1, BatchSize = 6, BaseLr = 1e-12, MinLr = 0, WarmupEpochs = 0, LayerDecay = 1, LabelSmoothing = 0.2, Mixup = 0, Cutmix = 0 };
        var records = new Trainer(model, options, CPU).Fit(new TrainData((_, _) => TinyVideo.AsClipBatches([(x, y)]), 1), Temp());
        Assert.Equal(smoothed, records[0].TrainLoss, 5);
    }

    [Fact]
    public void Drop_path_option_overrides_the_preset_rate()
    {
        var preset = ModelPresets.Get("videomae-s") with { Depth = 2, EmbedDim = 32, NumHeads = 2, Frames = 4, ImageSize = 32 };
        using var plain = PretrainedLoader.Load(preset, null).Model;
        using var overridden = PretrainedLoader.Load(preset, null, new LoadOptions(DropPath: 0.25)).Model;
        // Stochastic depth grows linearly to the rate over the blocks: the last block has the rate itself.
        Assert.Equal(preset.DropPathRate, plain.modules().OfType<DropPath>().Max(d => d.P), 12);
        Assert.Equal(0.25, overridden.modules().OfType<DropPath>().Max(d => d.P), 12);
    }

    [Fact]
    public void Repeated_augmentation_gives_each_training_video_its_own_differently_augmented_views_in_one_batch()
    {
        using var data = new SynthData();
        var ds = VideoVCReg.Decoding.Datasets.DatasetSplits.Load(VideoVCReg.Decoding.Datasets.DatasetSpec.Parse(data.Dir), 1).Train;
        var options = new ViewOptions { ClipLength = 4, SamplingRate = 2, CropSize = 32, TrainShortSide = 40, TrainViews = 2 };
        var loader = new VideoLoader(ds, new ViewPipeline(options, ViewMode.Train), new LoaderOptions(BatchSize: 4, Workers: 1, Seed: 3));
        var seen = new Dictionary<string, List<float[]>>();
        foreach (var batch in loader.Epoch(0))
            using (batch)
            {
                Assert.Equal(batch.SampleIds.Count, batch.SampleIds.Distinct().Count() * 2);   // both views of a video share its batch
                for (int i = 0; i < batch.Count; i++)
                    (seen.TryGetValue(batch.SampleIds[i], out var l) ? l : seen[batch.SampleIds[i]] = []).Add(batch.Inputs[i].data<float>().ToArray());
            }
        Assert.Equal(ds.Count, seen.Count);
        Assert.All(seen.Values, views => { Assert.Equal(2, views.Count); Assert.NotEqual(views[0], views[1]); });
    }

    static string Temp() => Directory.CreateTempSubdirectory("recipe-").FullName;

    static void AssertSameGradients(nn.Module<Tensor, Tensor> a, nn.Module<Tensor, Tensor> b)
    {
        var gb = b.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad);
        double scale = a.named_parameters().Where(p => p.parameter.grad is not null).Max(p => p.parameter.grad!.abs().max().item<float>());
        Assert.True(scale > 0, "no gradient left on the parameters");
        foreach (var (name, p) in a.named_parameters().Where(p => p.parameter.grad is not null))
        {
            double diff = (p.grad! - gb[name]!).abs().max().item<float>();
            Assert.True(diff <= 1e-5 * scale, $"{name}: gradients {diff:E2} apart (largest {scale:E2})");
        }
    }

    static void AssertSameWeights(nn.Module<Tensor, Tensor> a, nn.Module<Tensor, Tensor> b, double atol)
    {
        var pb = b.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in a.named_parameters())
        {
            double diff = (p - pb[name]).abs().max().item<float>();
            Assert.True(diff <= atol, $"{name}: {diff:E2} apart");
        }
    }
}
