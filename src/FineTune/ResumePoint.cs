using TorchSharp;

namespace VideoVCReg.FineTune;

/// <summary>
/// Where a run starts: a new run at epoch 0 and step 0, or a resumed one after the epochs its checkpoint-last.pth saved
/// (<see cref="TrainingState"/>): those epochs' metrics.jsonl records, the optimizer's moments, torch's random state, the
/// loss scale and the weight average are put back, so the run equals one never interrupted.
/// </summary>
sealed record ResumePoint(int Epoch, int Step)
{
    public static ResumePoint StartOver(MetricsFile metrics, EpochCheckpoints checkpoints)
    {
        // A new run owns the folder's metrics and best checkpoint: nothing from an earlier run may mix in.
        metrics.StartOver();
        checkpoints.StartOver();
        return new(0, 0);
    }

    public static ResumePoint Resume(string from, string outDir, string settings, MetricsFile metrics, EpochCheckpoints checkpoints,
        torch.optim.Optimizer optimizer, LossScaler? scaler, WeightAverage? ema)
    {
        var state = TrainingState.Read(from) ?? throw new InvalidDataException($"{from}: holds weights only, no training state to resume from");
        RunSettings.RequireSame(state.Settings, settings, outDir);
        metrics.Resume(state.EpochsDone);
        state.Restore(optimizer, from);
        if (scaler is not null)
        {
            if (state.LossScale is not double scale) throw new InvalidDataException($"{from}: holds no loss scale to resume float16 training from");
            scaler.Restore(scale, state.LossScaleGrowth);
        }
        if (ema is not null)
        {
            if (state.Ema is null) throw new InvalidDataException($"{from}: holds no weight average to resume it from");
            ema.Load(state.Ema, state.EmaCount, from);
        }
        checkpoints.Resumed(from, state.BestTop1);
        return new(state.EpochsDone, state.Step);
    }
}
