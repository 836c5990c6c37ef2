namespace VideoVCReg.Decoding.Loading;

/// <summary>
/// <see cref="Workers"/> decode threads, each keeping up to <see cref="QueueDepth"/> finished batches ahead of
/// the consumer. Training order is reshuffled per epoch from (<see cref="Seed"/>, epoch); test order is fixed.
/// </summary>
/// <param name="Repetitions">torchvision's repeated-augmentation sampler (RASampler, --ra-reps) for shuffled training orders: each
/// sample R times in a row, each with its own draws, and an epoch cut to ⌊n / 256⌋ · 256 samples (all n when n &lt; 256); 1: off.</param>
/// <param name="Rank">This process's share of a data-parallel run (0 … <paramref name="Ranks"/> − 1): see <see cref="BackgroundLoader{TWorker}.Order"/>.</param>
/// <param name="Ranks">Processes of the run; each reads a disjoint share of every epoch.</param>
public sealed record LoaderOptions(int BatchSize = 8, int Workers = 2, int Seed = 0, int QueueDepth = 2, bool DropLast = false, int Repetitions = 1,
    int Rank = 0, int Ranks = 1)
{
    public Shard Shard => new(Rank, Ranks);
}
