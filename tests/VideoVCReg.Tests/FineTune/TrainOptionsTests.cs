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
        Assert.Contains(new TrainOptions { Epochs = 3 }.Problems(), p => p.StartsWith("FineTune:WarmupEpochs"));   // default 5 warm-up epochs
        Assert.Empty(new TrainOptions { Epochs = 3, WarmupEpochs = 1 }.Problems());
        Assert.Empty(new TrainOptions { Epochs = 1, WarmupEpochs = 0 }.Problems());
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
