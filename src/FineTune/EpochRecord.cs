namespace VideoVCReg.FineTune;

/// <summary>One line of metrics.jsonl: what an epoch did. Validation keys come from the caller's evaluator.</summary>
public sealed record EpochRecord(
    int Epoch, int Steps, int Samples, double TrainLoss, double TrainAccuracy, double LrMax, double Seconds,
    IReadOnlyDictionary<string, double> Regularizer, IReadOnlyDictionary<string, double> Validation, string? Checkpoint);
