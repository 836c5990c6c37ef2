using VideoVCReg.Experiment;
using VideoVCReg.Experiment.Video;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.FineTune;

namespace VideoVCReg.Tests.FineTune;

public class ProgressTests
{
    [Fact]
    public void The_step_line_gives_position_loss_lr_rate_and_an_eta_from_the_steps_left()
    {
        // 30 of 120 steps in 90 s: 90 steps left at 3 s each is 4:30.
        var p = new StepProgress(Epoch: 1, Epochs: 4, Step: 5, StepsPerEpoch: 30, Loss: 2.07123, Lr: 1.6e-5, ClipsPerSecond: 3.44,
            StepsDone: 30, StepsTotal: 120, Elapsed: TimeSpan.FromSeconds(90));
        Assert.Equal(TimeSpan.FromSeconds(270), p.Eta);
        Assert.Equal("epoch 2/4 step 5/30  loss 2.0712  lr 1.60e-05  3.4 clips/s  ETA 4:30", ProgressLine.Format(p));
        Assert.Equal("views, batch 10/40  ETA 1:30:00", ProgressLine.Format("views, batch", 10, 40, TimeSpan.FromMinutes(30)));
    }
}
