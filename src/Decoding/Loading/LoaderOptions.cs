namespace VideoVCReg.Decoding.Loading;

/// <summary>
/// <see cref="Workers"/> decode threads, each keeping up to <see cref="QueueDepth"/> finished batches ahead of
/// the consumer. Training order is reshuffled per epoch from (<see cref="Seed"/>, epoch); test order is fixed.
/// </summary>
public sealed record LoaderOptions(int BatchSize = 8, int Workers = 2, int Seed = 0, int QueueDepth = 2, bool DropLast = false);
