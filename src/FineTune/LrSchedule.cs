namespace VideoVCReg.FineTune;

/// <summary>
/// VideoMAE's cosine_scheduler, per optimizer step: a linear warm-up from <c>start</c> that reaches the peak on
/// its last step (numpy's linspace), then half a cosine over the remaining steps, from the peak towards the minimum.
/// </summary>
public sealed class LrSchedule(double peak, double min, int totalSteps, int warmupSteps, double start = 1e-6)
{
    /// <summary>A run's schedule in optimizer steps, the warm-up rounded to whole steps.</summary>
    public static LrSchedule For(TrainOptions o, int stepsPerEpoch) =>
        new(o.PeakLr, o.MinLr, o.Epochs * stepsPerEpoch, (int)Math.Round(o.EffectiveWarmupEpochs * stepsPerEpoch), o.WarmupStart);

    public double At(int step)
    {
        if (step < warmupSteps) return warmupSteps == 1 ? start : start + (peak - start) * step / (warmupSteps - 1);
        int span = Math.Max(1, totalSteps - warmupSteps);
        double t = Math.Min(step - warmupSteps, span) / (double)span;
        return min + 0.5 * (peak - min) * (1 + Math.Cos(Math.PI * t));
    }
}
