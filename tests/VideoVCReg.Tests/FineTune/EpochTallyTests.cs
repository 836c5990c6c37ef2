using VideoVCReg.FineTune;
using VideoVCReg.Runtime.Distributed;

namespace VideoVCReg.Tests.FineTune;

/// <summary>The loop's books: a micro-batch's agreed numbers, an epoch's and a step's sums, and the progress line's clock.</summary>
public class EpochTallyTests
{
    [Fact]
    public void A_micro_batch_sums_its_loss_by_samples_and_flags_a_non_finite_loss_or_an_empty_batch()
    {
        Assert.Equal(new MicroBatchSums(2.0, 3, 4, 0, 0), MicroBatchSums.Reduce(ProcessGroup.Single, 0.5, 3, 4));
        var nan = MicroBatchSums.Reduce(ProcessGroup.Single, double.NaN, 0, 4);
        Assert.True(nan.NonFinite);
        Assert.False(nan.Empty);
        var empty = MicroBatchSums.Reduce(ProcessGroup.Single, 0, 0, 0);
        Assert.True(empty.Empty);
        Assert.False(empty.NonFinite);   // an empty batch has no loss to be non-finite
    }

    [Fact]
    public void The_epoch_counts_every_micro_batch_and_a_step_its_own()
    {
        var t = new EpochTally();
        t.UseLr(0.1);
        t.UseLr(0.3);
        t.UseLr(0.2);
        Assert.Equal((0.2, 0.3), (t.Lr, t.LrMax));
        t.Add(new MicroBatchSums(2.0 * 4, 3, 4, 0, 0));
        t.Add(new MicroBatchSums(1.0 * 2, 1, 2, 0, 0));
        Assert.Equal(10.0 / 6, t.StepLoss, 15);
        t.EndStep(applied: true);
        t.Add(new MicroBatchSums(0.5 * 4, 4, 4, 0, 0));
        Assert.Equal(0.5, t.StepLoss, 15);                // the step's sums start again
        t.EndStep(applied: false);
        Assert.Equal((2, 1, 10L, 8L), (t.Steps, t.Skipped, t.Samples, t.Correct));

        var reg = new Dictionary<string, double> { ["vcreg_var"] = 1 };
        var val = new Dictionary<string, double> { ["top1"] = 0.5 };
        var r = t.Record(3, reg, val, "checkpoint-last.pth");
        Assert.Equal((3, 2, 10), (r.Epoch, r.Steps, r.Samples));
        Assert.Equal(12.0 / 10, r.TrainLoss, 15);
        Assert.Equal(0.8, r.TrainAccuracy, 15);
        Assert.Equal(0.3, r.LrMax);
        Assert.Same(reg, r.Regularizer);
        Assert.Same(val, r.Validation);
        Assert.Equal("checkpoint-last.pth", r.Checkpoint);
        Assert.InRange(r.DataWaitShare, 0, 1);
    }

    [Fact]
    public void Timed_batches_come_through_in_order_and_the_wait_is_a_share_of_the_epoch()
    {
        var t = new EpochTally();
        Assert.Equal([1, 2, 3], t.Timed(Slow([1, 2, 3])).ToList());
        var r = t.Record(0, new Dictionary<string, double>(), new Dictionary<string, double>(), null);
        Assert.InRange(r.DataWaitShare, 0.5, 1);         // nearly all of this epoch was spent waiting for the "loader"

        static IEnumerable<int> Slow(int[] items)
        {
            foreach (var i in items)
            {
                Thread.Sleep(20);
                yield return i;
            }
        }
    }

    [Fact]
    public void The_progress_clock_counts_steps_from_where_this_process_started()
    {
        var t = new EpochTally();
        t.UseLr(0.01);
        t.EndStep(applied: true);
        var p = new ProgressClock(epochs: 4, stepsPerEpoch: 5, startStep: 10).At(2, t, 0.7, 13);
        Assert.Equal((2, 4, 1, 5), (p.Epoch, p.Epochs, p.Step, p.StepsPerEpoch));
        Assert.Equal((0.7, 0.01), (p.Loss, p.Lr));
        Assert.Equal((3, 10), (p.StepsDone, p.StepsTotal));
    }
}
