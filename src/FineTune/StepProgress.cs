namespace VideoVCReg.FineTune;

/// <summary>
/// Where training stands after an optimizer step, for progress displays: <see cref="Epoch"/> 0-based,
/// <see cref="Step"/> 1-based within the epoch, <see cref="Elapsed"/> since the run (or its resume) started,
/// <see cref="StepsDone"/>/<see cref="StepsTotal"/> over the whole run, so an ETA is elapsed × remaining / done.
/// </summary>
public sealed record StepProgress(int Epoch, int Epochs, int Step, int StepsPerEpoch, double Loss, double Lr, double ClipsPerSecond,
    int StepsDone, int StepsTotal, TimeSpan Elapsed)
{
    public TimeSpan Eta => StepsDone <= 0 ? TimeSpan.Zero : Elapsed * ((double)(StepsTotal - StepsDone) / StepsDone);
}
