using VideoVCReg.Decoding;
using VideoVCReg.FineTune;
using VideoVCReg.Models;
using VideoVCReg.Runtime.Data;

namespace VideoVCReg.Experiment;

/// <summary>
/// Where an experiment's samples come from, for any modality: the folds (official splits, or one), each fold's
/// classes, and, once the model is known (its input size and normalisation decide the views), the fold's
/// training batches, validation batches and multi-view test batches.
/// </summary>
public interface IDataSource
{
    /// <summary>What results.json and settings.json record as the data (a folder, or the name of a generator).</summary>
    string Description { get; }
    IReadOnlyList<int> Folds { get; }
    /// <summary>Makes the data ready once the run folder is held (a generated dataset is written there); loses nothing already there.</summary>
    void Prepare(string runDir, CancellationToken cancel);
    IReadOnlyList<string> Classes(int fold);
    /// <summary>
    /// The fold's batches for a model taking <paramref name="input"/> (null: the network takes any size; a
    /// source that must know it says so), with the loop's batch settings.
    /// </summary>
    Fold Open(int fold, InputSpec? input, TrainOptions train, int seed);
}

/// <summary>
/// One fold, ready to run: training batches (<see cref="TrainData"/>), and optionally validation and test batches.
/// <see cref="Skipped"/> reports the samples that failed to load, with the reason, once the fold is done.
/// </summary>
public sealed class Fold
{
    public required int Id { get; init; }
    public required IReadOnlyList<string> Classes { get; init; }
    public required TrainData Train { get; init; }
    public required int TrainSamples { get; init; }
    /// <summary>Consecutive rows of a training batch that are views of one sample (VideoMAE's repeated augmentation); 1 otherwise.</summary>
    public int RowsPerSample { get; init; } = 1;
    public EvalData? Validation { get; init; }
    public EvalData? Test { get; init; }
    /// <summary>The training samples in a linear probe's views (no augmentation, one view each, in sample order);
    /// null when the source cannot give them.</summary>
    public EvalData? ProbeTrain { get; init; }
    /// <summary>The test samples in a linear probe's views; null: the probe uses <see cref="Test"/>.</summary>
    public EvalData? ProbeTest { get; init; }
    public Func<IReadOnlyDictionary<string, string>> Skipped { get; init; } = () => new Dictionary<string, string>();
}

/// <summary>
/// Evaluation batches: every view of every sample (<see cref="Views"/> per sample, e.g. "10x3"), over
/// <see cref="Samples"/> samples in <see cref="Batches"/> batches; <see cref="Source"/> names them in messages,
/// <see cref="Noun"/> says what a sample is ("videos", "images"), <see cref="SkipSummary"/> says which failed and why.
/// </summary>
public sealed record EvalData(Func<int, CancellationToken, IEnumerable<Batch>> Epoch, int Batches, int Samples, string Views, string Source,
    string Noun = "samples", Func<string>? SkipSummary = null);
