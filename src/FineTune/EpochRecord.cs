namespace VideoVCReg.FineTune;

/// <summary>
/// One line of metrics.jsonl: what an epoch did. Validation keys come from the caller's evaluator.
/// <see cref="DataWaitShare"/> is the share of the epoch's training time spent waiting for the loader's next batch.
/// </summary>
public sealed record EpochRecord(
    int Epoch, int Steps, int Samples, double TrainLoss, double TrainAccuracy, double LrMax, double Seconds,
    IReadOnlyDictionary<string, double> Regularizer, IReadOnlyDictionary<string, double> Validation, string? Checkpoint,
    double DataWaitShare = 0);
