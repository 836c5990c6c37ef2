using System.Text.Json;
using VideoVCReg.Decoding.Images;
using VideoVCReg.Decoding.Transforms;
using VideoVCReg.FineTune;
using VideoVCReg.Models;
using VideoVCReg.Models.Image;

namespace VideoVCReg.Experiment.Images;

/// <summary>
/// Images in the CIFAR binary formats as an experiment's data: <c>cifar10:DIR</c>, <c>cifar100:DIR</c> (fine or
/// coarse labels), or <c>synthetic</c> (the embedded source set, written under the run folder on first use;
/// <c>synthetic-downstream</c> is its downstream set). One fold: the training set, optionally long-tailed by
/// <c>--imbalance R</c> (<see cref="LongTail"/>; the per-class counts go to class_counts.json), and the balanced
/// test set. Training views get CIFAR's padded crop and flip, test views none; both the preset's normalisation.
/// </summary>
/// With <c>twoViews</c> (a self-supervised objective's name) training batches hold two augmented views of every image
/// (<see cref="TwoViewAugmentation"/>) and the fold has no classification test.
/// With <c>validationShare</c> &gt; 0 a stratified share of the training set (<see cref="ImageHoldOut"/>) is held out and scored after every epoch.
public sealed class CifarSource(string spec, ImagePreset preset, bool coarse = false, double? imbalance = null, string? twoViews = null, double validationShare = 0) : IDataSource
{
    public const string Synthetic = "synthetic", SyntheticDownstream = "synthetic-downstream";

    string? root;
    CifarKind kind;
    ImageArray? train, test, validation;

    public string Description => $"{spec}{(coarse ? " (coarse labels)" : "")}{(imbalance is double r ? $", long-tailed ×{r}" : "")}{(twoViews is null ? "" : $", two {twoViews} views")}{(validationShare > 0 ? $", {validationShare:P0} held out" : "")}";
    public IReadOnlyList<int> Folds => [1];

    /// <summary>A one-line complaint about the spec, or null when it names a known source.</summary>
    public static string? Problem(string spec) =>
        spec is Synthetic or SyntheticDownstream || spec.StartsWith("cifar10:") || spec.StartsWith("cifar100:") ? null
            : $"--data must be cifar10:DIR, cifar100:DIR, {Synthetic} or {SyntheticDownstream} (got '{spec}')";

    public void Prepare(string runDir, CancellationToken cancel)
    {
        if (Problem(spec) is string p) throw new ArgumentException(p);
        if (spec is Synthetic or SyntheticDownstream)
        {
            var dir = Path.Combine(runDir, "synthetic-images");
            var marker = Path.Combine(dir, ".complete");
            var stamp = JsonSerializer.Serialize(new SynthImageOptions());
            if (!File.Exists(marker) || File.ReadAllText(marker) != stamp)
            {
                if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
                SyntheticImages.Write(dir, new SynthImageOptions(), Models.IO.AtomicFile.Write);
                Models.IO.AtomicFile.WriteText(marker, stamp);
            }
            (kind, root) = spec == Synthetic ? (CifarKind.Cifar100, Path.Combine(dir, "source")) : (CifarKind.Cifar10, Path.Combine(dir, "downstream"));
        }
        else (kind, root) = spec.StartsWith("cifar100:") ? (CifarKind.Cifar100, spec["cifar100:".Length..]) : (CifarKind.Cifar10, spec["cifar10:".Length..]);
        train = CifarBinary.Read(root, kind, train: true, coarse);
        test = CifarBinary.Read(root, kind, train: false, coarse);
        TrainingClasses.RequireEach(train.Source, train.Classes, train.Labels, "no record carries its label (a class list longer than the data?)");
        if (imbalance is double ratio)
        {
            var kept = LongTail.Subsample(train.Labels, train.Classes.Count, ratio, seed: 0, train.Classes);
            train = train.Subset(kept, $"long-tailed ×{ratio}");
        }
        if (validationShare > 0)
        {
            var (fit, held) = ImageHoldOut.Split(train.Labels, validationShare, seed: 0);
            validation = train.Subset(held, "validation share");
            train = train.Subset(fit, "without the validation share");
        }
        var counts = train.Classes.Select((name, c) => new { @class = name, train = train.Labels.Count(l => l == c), test = test.Labels.Count(l => l == c) });
        Models.IO.AtomicFile.WriteTextIfChanged(Path.Combine(runDir, "class_counts.json"), JsonSerializer.Serialize(counts, new JsonSerializerOptions { WriteIndented = true }));
    }

    public IReadOnlyList<string> Classes(int fold) => (train ?? throw new InvalidOperationException("Prepare the source first")).Classes;

    public Fold Open(int fold, InputSpec? input, TrainOptions options, int seed)
    {
        if (train is null || test is null) throw new InvalidOperationException("Prepare the source first");
        // Convolutional networks take the images at their own size; a network with a fixed input gets them resized to it.
        int? size = input?.Size;
        var pairs = twoViews is null ? null : TwoViewAugmentation.For(twoViews, size ?? train.Height);
        var trainLoader = new ImageArrayLoader(train, new ImageViewOptions(preset.Mean, preset.Std, Train: true, Size: size, TwoViews: pairs), options.BatchSize, seed,
            dropLast: train.Count >= options.BatchSize, shard: new(options.Rank, options.Ranks));
        var testLoader = new ImageArrayLoader(test, new ImageViewOptions(preset.Mean, preset.Std, Train: false, Size: size), options.BatchSize, seed,
            shard: new(options.Rank, options.Ranks));
        var plainLoader = new ImageArrayLoader(train, new ImageViewOptions(preset.Mean, preset.Std, Train: false, Size: size), options.BatchSize, seed);
        var valLoader = validation is null ? null : new ImageArrayLoader(validation, new ImageViewOptions(preset.Mean, preset.Std, Train: false, Size: size), options.BatchSize, seed,
            shard: new(options.Rank, options.Ranks));
        return new Fold
        {
            Id = fold, Classes = train.Classes, TrainSamples = train.Count,
            Train = new TrainData((e, c) => trainLoader.Epoch(e, c), trainLoader.BatchesPerEpoch()),
            Validation = valLoader is null ? null : new EvalData((e, c) => valLoader.Epoch(0, c), valLoader.BatchesPerEpoch(), validation!.Count, "1x1", validation.Source, "images"),
            // Self-supervised pretraining has no classifier to test: `probe` scores its representation.
            Test = pairs is not null ? null : new EvalData((e, c) => testLoader.Epoch(0, c), testLoader.BatchesPerEpoch(), test.Count, "1x1", test.Source, "images"),
            ProbeTrain = new EvalData((e, c) => plainLoader.Epoch(0, c), plainLoader.BatchesPerEpoch(), train.Count, "1x1", train.Source, "images"),
        };
    }
}
