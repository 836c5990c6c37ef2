using VideoVCReg.Decoding.Loading;
using VideoVCReg.Decoding.Synthetic;
using VideoVCReg.FineTune;
using VideoVCReg.Models;

namespace VideoVCReg.Experiment.Video;

/// <summary>
/// Supervised pretraining data that never runs out: <see cref="MotionSource"/> renders a fresh video for every
/// training clip, of motion classes the synthetic dataset does not have (<see cref="MotionSource.Disjoint"/>), so
/// a network pretrained here and fine-tuned there transfers, as Kinetics → HMDB51 does in the paper. Validation
/// is a fixed set of other rendered videos, one centred view each. One fold; no test set.
/// </summary>
public sealed class SyntheticMotion(int classes, int stepsPerEpoch, int validationClips, DataOptions data) : IDataSource
{
    public const string Name = "synthetic-motion";

    readonly IReadOnlyList<MotionClass> motions = MotionSource.Disjoint(classes);

    public string Description => $"{Name}: {classes} rendered motion classes{(data.SceneColourJitter is double j ? $" with scene colour ±{j}°" : "")}, {stepsPerEpoch} fresh batches per epoch, {validationClips} validation clips";
    public IReadOnlyList<int> Folds => [1];
    public IReadOnlyList<string> Classes(int fold) => [.. motions.Select(m => m.Name)];
    public void Prepare(string runDir, CancellationToken cancel) { }

    public Fold Open(int fold, InputSpec? input, TrainOptions train, int seed)
    {
        if (input is null) throw new ArgumentException($"{Description}: clips need a network that states its input (frames, size, normalisation)");
        var views = VideoSplits.Views(input, data) with { TestClips = 1, TestCrops = 1 };
        var source = new MotionSource(motions, new ViewPipeline(views, ViewMode.Train), train.BatchSize, stepsPerEpoch, seed, data.SceneColourJitter);
        int valBatches = (validationClips + train.BatchSize - 1) / train.BatchSize;
        // Another seed than training's: these videos are never trained on.
        var val = validationClips > 0 ? new MotionSource(motions, new ViewPipeline(views, ViewMode.Test), train.BatchSize, valBatches, seed ^ 0x7a11, data.SceneColourJitter) : null;
        return new Fold
        {
            Id = fold, Classes = Classes(fold), TrainSamples = stepsPerEpoch * train.BatchSize,
            Train = new TrainData((e, c) => source.Epoch(e, c), stepsPerEpoch),
            Validation = val is null ? null : new EvalData((_, c) => val.Epoch(0, c), valBatches, valBatches * train.BatchSize, "1x1", Description, "videos"),
        };
    }
}
