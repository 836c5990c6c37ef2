namespace VideoVCReg.FineTune;

/// <summary>The loss (or a weight) became NaN or infinite: the run stops before it can spoil a checkpoint.</summary>
/// <param name="hint">What the run's settings suggest as the cause, appended to the line (the regularizer's own reading).</param>
public sealed class NonFiniteLossException(int epoch, int step, double loss, string? lastCheckpoint, string? what = null, string? hint = null)
    : InvalidOperationException($"{what ?? $"loss is {loss}"} at epoch {epoch + 1}, step {step + 1}: training stopped; " +
        (lastCheckpoint is null ? "no checkpoint had been written yet" : $"the last good checkpoint is {lastCheckpoint}") + (hint is null ? "" : $"; {hint}"))
{
    public int Epoch { get; } = epoch;
    public string? LastCheckpoint { get; } = lastCheckpoint;
}
