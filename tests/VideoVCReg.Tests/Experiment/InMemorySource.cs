using VideoVCReg.Decoding;
using VideoVCReg.Experiment;
using VideoVCReg.FineTune;
using VideoVCReg.Models;
using VideoVCReg.Runtime.Data;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Experiment;

/// <summary>
/// A data source held in memory, for any input shape: per fold, fixed training batches and a test set whose
/// class shows as a brighter colour channel (learnable in a few steps), generated from (fold, seed).
/// <paramref name="withTest"/> false makes a pretraining source (no test set).
/// </summary>
sealed class InMemorySource(long[] sampleShape, int classes = 3, int folds = 2, bool withTest = true, int trainBatches = 6, int batchSize = 6) : IDataSource
{
    public int Opened { get; private set; }
    public string Description => $"in-memory {string.Join('x', sampleShape)}";
    public IReadOnlyList<int> Folds => [.. Enumerable.Range(1, folds)];
    public IReadOnlyList<string> Classes(int fold) => [.. Enumerable.Range(0, classes).Select(c => $"class{c}")];
    public void Prepare(string runDir, CancellationToken cancel) { }

    public Fold Open(int fold, InputSpec? input, TrainOptions train, int seed)
    {
        Opened++;
        var trainSet = Make(trainBatches, batchSize, Seeds(fold, seed, 1), "train");
        var val = Make(2, batchSize, Seeds(fold, seed, 2), "val");
        var test = Make(2, batchSize, Seeds(fold, seed, 3), "test");
        return new Fold
        {
            Id = fold, Classes = Classes(fold), TrainSamples = trainBatches * batchSize,
            Train = new TrainData((e, c) => Copies(trainSet), trainBatches),
            Validation = new EvalData((e, c) => Copies(val), 2, 2 * batchSize, "1x1", "memory:val"),
            Test = withTest ? new EvalData((e, c) => Copies(test), 2, 2 * batchSize, "1x1", "memory:test") : null,
        };
    }

    static int Seeds(int fold, int seed, int part) => VideoVCReg.Runtime.Data.Seeds.Mix(fold, seed, part);

    List<Batch> Make(int batches, int size, int seed, string prefix)
    {
        var gen = new Generator((ulong)seed);
        var list = new List<Batch>();
        for (int b = 0; b < batches; b++)
        {
            var labels = randint(classes, [size], generator: gen);
            var x = randn([size, .. sampleShape], generator: gen);
            var onehot = nn.functional.one_hot(labels, classes).to(float32)[.., ..3];
            var shape = new long[sampleShape.Length + 1];
            Array.Fill(shape, 1L);
            (shape[0], shape[1]) = (size, 3);
            x += 2 * onehot.reshape(shape);
            list.Add(new Batch(b, x.DetachFromDisposeScope(), labels.DetachFromDisposeScope(),
                [.. Enumerable.Range(0, size).Select(i => $"{prefix}{b}_{i}")], new int[size]));
        }
        return list;
    }

    static IEnumerable<Batch> Copies(List<Batch> batches) =>
        batches.Select(b => new Batch(b.Index, b.Inputs.alias(), b.Labels.alias(), b.SampleIds, b.ViewIds));
}
