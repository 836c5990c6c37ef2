using TorchSharp;
using VideoVCReg.FineTune;
using VideoVCReg.Models.Regularization;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.FineTune;

public class TrainOptionsTests
{
    [Fact]
    public void A_warm_up_as_long_as_the_run_is_refused()
    {
        Assert.Contains(new TrainOptions { Epochs = 3, WarmupEpochs = 5 }.Problems(), p => p.StartsWith("FineTune:WarmupEpochs"));
        // The default is VideoMAE's 5 epochs, capped at a tenth of the run: short runs work without the option.
        Assert.Empty(new TrainOptions { Epochs = 3 }.Problems());
        Assert.Equal(0.3, new TrainOptions { Epochs = 3 }.EffectiveWarmupEpochs, 12);
        Assert.Equal(5, new TrainOptions { Epochs = 50 }.EffectiveWarmupEpochs);
        Assert.Equal(5, new TrainOptions { Epochs = 100 }.EffectiveWarmupEpochs);
        Assert.Empty(new TrainOptions { Epochs = 3, WarmupEpochs = 1 }.Problems());
        Assert.Empty(new TrainOptions { Epochs = 1, WarmupEpochs = 0 }.Problems());
    }

    [Fact]
    public void Mixed_precision_options_are_checked_and_give_the_forward_type()
    {
        Assert.Empty(new TrainOptions { Amp = true }.Problems());
        Assert.Empty(new TrainOptions { Amp = true, AmpDtype = "float16" }.Problems());
        Assert.Contains(new TrainOptions { Amp = true, Precision = "float64" }.Problems(), p => p.StartsWith("FineTune:Amp "));
        Assert.Contains(new TrainOptions { AmpDtype = "float16" }.Problems(), p => p.StartsWith("FineTune:AmpDtype") && p.Contains("without --amp"));
        Assert.Contains(new TrainOptions { Amp = true, AmpDtype = "float8" }.Problems(), p => p.StartsWith("FineTune:AmpDtype"));
        Assert.Null(new TrainOptions().AutocastType);
        Assert.Equal(ScalarType.Float16, new TrainOptions { Amp = true, AmpDtype = "float16" }.AutocastType);
        Assert.Equal(ScalarType.BFloat16, new TrainOptions { Amp = true }.AutocastType);
    }

    [Fact]
    public void A_batch_of_one_sample_adds_no_naive_vcreg_loss()
    {
        // A batch can shrink to one clip when the others fail to decode; the fast variant adds nothing then.
        var x = randn([1, 8], requires_grad: true);                  // n = 1 sample of d = 8
        var (v, c) = VcRegLoss.Terms(x, new VcRegOptions());
        Assert.Equal(0.0, v.ToDouble());
        Assert.Equal(0.0, c.ToDouble());
        (v + c).backward();
        Assert.True(isfinite(x.grad!).all().item<bool>());
    }
}

public class TrainOptionsValidationTests
{
    [Theory]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NaN)]
    [InlineData(-1e-3)]
    [InlineData(0)]
    public void A_learning_rate_that_is_not_a_finite_positive_number_is_refused_alone(double lr)
    {
        var problems = new TrainOptions { BaseLr = lr }.Problems();
        Assert.Single(problems);
        Assert.StartsWith("FineTune:BaseLr", problems[0]);
    }

    [Fact]
    public void A_zero_batch_gives_one_complaint_not_a_spurious_min_lr_one()
    {
        var problems = new TrainOptions { BatchSize = 0 }.Problems();
        Assert.Single(problems);
        Assert.StartsWith("FineTune:BatchSize", problems[0]);
    }

    [Fact]
    public void A_zero_update_freq_gives_one_complaint_not_a_spurious_min_lr_one()
    {
        var problems = new TrainOptions { UpdateFreq = 0 }.Problems();
        Assert.Single(problems);
        Assert.StartsWith("FineTune:UpdateFreq", problems[0]);
    }
}
