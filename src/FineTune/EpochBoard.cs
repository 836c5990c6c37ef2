using TorchSharp;

namespace VideoVCReg.FineTune;

/// <summary>
/// TensorBoard event files through TorchSharp's SummaryWriter: per optimizer step <c>step/loss</c> and
/// <c>step/lr</c> (x = optimizer steps), per epoch every number of its metrics.jsonl line (x = epochs done):
/// <c>train/loss</c>, <c>train/accuracy</c>, <c>train/lr_max</c>, <c>train/data_wait_share</c>,
/// <c>validation/&lt;key&gt;</c>, <c>regularizer/&lt;key&gt;</c>. Wall times are Unix seconds (TorchSharp's default
/// writes 0). A resumed run writes a new file beside the old; TensorBoard merges them by step.
/// </summary>
sealed class EpochBoard(string dir)
{
    readonly TorchSharp.Modules.SummaryWriter writer = torch.utils.tensorboard.SummaryWriter(dir);

    static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public void Step(int step, double loss, double lr)
    {
        writer.add_scalar("step/loss", (float)loss, step, Now);
        writer.add_scalar("step/lr", (float)lr, step, Now);
    }

    public void Epoch(EpochRecord r)
    {
        int x = r.Epoch + 1;
        writer.add_scalar("train/loss", (float)r.TrainLoss, x, Now);
        writer.add_scalar("train/accuracy", (float)r.TrainAccuracy, x, Now);
        writer.add_scalar("train/lr_max", (float)r.LrMax, x, Now);
        writer.add_scalar("train/data_wait_share", (float)r.DataWaitShare, x, Now);
        foreach (var (k, v) in r.Validation) writer.add_scalar($"validation/{k}", (float)v, x, Now);
        foreach (var (k, v) in r.Regularizer) writer.add_scalar($"regularizer/{k}", (float)v, x, Now);
    }
}
