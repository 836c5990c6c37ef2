using System.Diagnostics;

namespace VideoVCReg.FineTune;

/// <summary>
/// The run's clock for <see cref="StepProgress"/>: it counts from the first step this process trains, so a resumed run's
/// ETA is not skewed by steps it never timed.
/// </summary>
sealed class ProgressClock(int epochs, int stepsPerEpoch, int startStep)
{
    readonly Stopwatch run = Stopwatch.StartNew();

    public StepProgress At(int epoch, EpochTally tally, double loss, int step) =>
        new(epoch, epochs, tally.Steps, stepsPerEpoch, loss, tally.Lr, tally.ClipsPerSecond, step - startStep, epochs * stepsPerEpoch - startStep, run.Elapsed);
}
