using VideoVCReg.Decoding;
using VideoVCReg.Eval;
using VideoVCReg.FineTune;
using VideoVCReg.Runtime.Data;
using static TorchSharp.torch;

namespace VideoVCReg.Experiment.Probe;

/// <summary>Fixed features as the loop's and the evaluator's batches: shuffled per epoch from the seed for training, in order for scoring.</summary>
public static class FeatureBatches
{
    public static TrainData Train(FeatureSet set, int batchSize, int seed) =>
        new((epoch, cancel) => Batches(set, batchSize, Order(set.Count, epoch, seed), cancel), (set.Count + batchSize - 1) / batchSize);

    public static IEnumerable<Batch> InOrder(FeatureSet set, int batchSize) =>
        Batches(set, batchSize, [.. Enumerable.Range(0, set.Count)], CancellationToken.None);

    static long[] Order(int n, int epoch, int seed)
    {
        var order = Enumerable.Range(0, n).Select(i => (long)i).ToArray();
        new Random(Seeds.Mix(seed, epoch, 0x9f0be)).Shuffle(order);
        return order;
    }

    static IEnumerable<Batch> Batches(FeatureSet set, int batchSize, long[] order, CancellationToken cancel)
    {
        for (int b = 0; b * batchSize < order.Length; b++)
        {
            cancel.ThrowIfCancellationRequested();
            var rows = order.Skip(b * batchSize).Take(batchSize).ToArray();
            using var idx = tensor(rows);
            yield return new Batch(b, set.X.index_select(0, idx), set.Y.index_select(0, idx), [.. rows.Select(r => $"{r}")], new int[rows.Length]);
        }
    }
}
