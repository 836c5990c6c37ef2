using static TorchSharp.torch;

namespace VideoVCReg.FineTune;

/// <summary>
/// Dynamic loss scaling for float16 training, with torch.cuda.amp.GradScaler's defaults and update rule: the loss is
/// multiplied by <see cref="Scale"/> before the backward so that small gradients survive float16; a step whose gradients
/// hold an inf or NaN is skipped and the scale halved; after 2,000 steps in a row without one it doubles.
/// </summary>
public sealed class LossScaler(double initialScale = 65536.0, double growthFactor = 2.0, double backoffFactor = 0.5, int growthInterval = 2000)
{
    public double Scale { get; private set; } = initialScale;

    /// <summary>Finite steps since the scale last changed (GradScaler's growth tracker).</summary>
    public int GrowthTracker { get; private set; }

    /// <summary>Records a step's outcome and returns whether it may be applied (its gradients were all finite).</summary>
    public bool Update(bool finite)
    {
        if (!finite)
        {
            Scale *= backoffFactor;
            GrowthTracker = 0;
            return false;
        }
        if (++GrowthTracker == growthInterval)
        {
            Scale *= growthFactor;
            GrowthTracker = 0;
        }
        return true;
    }

    /// <summary>
    /// After a step's backward: when every gradient is finite, divides them by the scale they were computed at and returns
    /// true; otherwise leaves them and returns false. Either way the outcome is recorded (<see cref="Update"/>).
    /// </summary>
    public bool Unscale(IReadOnlyList<TorchSharp.Modules.Parameter> parameters)
    {
        double used = Scale;
        if (!Update(double.IsFinite(GradientNorm.Of(parameters)))) return false;
        using (no_grad())
            foreach (var p in parameters) p.grad?.mul_(1.0 / used);
        return true;
    }

    /// <summary>Back to a saved state (a resumed run).</summary>
    public void Restore(double scale, int growthTracker)
    {
        if (!(scale > 0 && double.IsFinite(scale)) || growthTracker < 0 || growthTracker >= growthInterval)
            throw new InvalidDataException($"loss scaler state out of range (scale {scale}, growth tracker {growthTracker})");
        (Scale, GrowthTracker) = (scale, growthTracker);
    }
}
