using VideoVCReg.Runtime.Distributed;

namespace VideoVCReg.FineTune;

/// <summary>
/// One micro-batch's loss × samples, right predictions, samples, non-finite losses and empty batches; data parallel, summed
/// over the ranks before any backward, so that every rank takes the same branch after it and reaches the same collectives.
/// </summary>
readonly record struct MicroBatchSums(double LossTimesSamples, double Right, double Samples, double NonFiniteLosses, double EmptyBatches)
{
    /// <summary>Some rank's loss is inf or NaN: no rank may step.</summary>
    public bool NonFinite => NonFiniteLosses > 0;

    /// <summary>Some rank loaded no sample of its share: the micro-batch is left out on every rank alike.</summary>
    public bool Empty => EmptyBatches > 0;

    /// <summary>This rank's numbers (<paramref name="loss"/> is the mean over its <paramref name="count"/> samples), summed over the group.</summary>
    public static MicroBatchSums Reduce(ProcessGroup group, double loss, long right, int count)
    {
        var sums = new[] { loss * count, right, count, count > 0 && !double.IsFinite(loss) ? 1 : 0, count == 0 ? 1 : 0 };
        if (group.Size > 1) group.AllReduceSum(sums);
        return new(sums[0], sums[1], sums[2], sums[3], sums[4]);
    }
}
