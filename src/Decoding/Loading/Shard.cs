namespace VideoVCReg.Decoding.Loading;

/// <summary>
/// One process's share of an epoch in a data-parallel run of <see cref="Ranks"/> processes. Training follows PyTorch's
/// DistributedSampler: the shuffled order is padded to a multiple of P by repeating its first entries, and rank r takes
/// entries r, r + P, r + 2P, …, so step k of all ranks together holds the samples of step k of one process at P times the
/// batch. Evaluation is split by sample (sample i to rank i mod P, no padding) so that gathered scores count each once.
/// </summary>
public readonly record struct Shard(int Rank, int Ranks)
{
    public static Shard Whole => new(0, 1);

    public void Validate()
    {
        if (Ranks < 1 || Rank < 0 || Rank >= Ranks) throw new ArgumentException($"rank {Rank} is not one of {Ranks} ranks");
    }

    /// <summary>This rank's entries of a training order (padded, strided).</summary>
    public List<T> Training<T>(IReadOnlyList<T> order)
    {
        if (Ranks == 1) return [.. order];
        var result = new List<T>(TrainingCount(order.Count));
        for (int k = Rank; result.Count < result.Capacity; k += Ranks) result.Add(order[k % order.Count]);
        return result;
    }

    /// <summary>Entries each rank gets from a training order of <paramref name="n"/>: ⌈n / P⌉.</summary>
    public int TrainingCount(int n) => (n + Ranks - 1) / Ranks;

    /// <summary>Whether sample <paramref name="item"/> is this rank's to evaluate.</summary>
    public bool Evaluates(int item) => item % Ranks == Rank;

    /// <summary>Samples of <paramref name="n"/> this rank evaluates.</summary>
    public int EvaluationCount(int n) => n / Ranks + (Rank < n % Ranks ? 1 : 0);
}
