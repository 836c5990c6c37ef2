using System.Text.Json;
using VideoVCReg.Decoding.Images;
using VideoVCReg.Decoding.Transforms;
using VideoVCReg.FineTune;
using VideoVCReg.Models;
using VideoVCReg.Models.Image;
using VideoVCReg.Runtime.IO;

namespace VideoVCReg.Experiment.Images;

/// <summary>
/// Image sets held in memory as an experiment's data: the CIFAR binary formats, <c>cifar10:DIR</c> and <c>cifar100:DIR</c> (fine or
/// coarse labels), or <c>synthetic</c> (the embedded source set, written under the run folder on first use;
/// <c>synthetic-downstream</c> is its downstream set); and the grey sets of <see cref="GreySets"/> (Fashion-MNIST, IDX folders,
/// the UCI digits). One fold: the training set, optionally long-tailed by
/// <c>--imbalance R</c> (<see cref="LongTail"/>; the per-class counts go to class_counts.json), and the balanced
/// test set. Training views get CIFAR's padded crop and flip, test views none; both the preset's normalisation, or a
/// grey set's own.
/// </summary>
/// With <c>twoViews</c> (a self-supervised objective's name) training batches hold two augmented views of every image
/// (<see cref="TwoViewAugmentation"/>) and the fold has no classification test.
/// With <c>validationShare</c> &gt; 0 a stratified share of the training set (<see cref="ImageHoldOut"/>) is held out and scored after every epoch.
/// With <c>selection</c> (<see cref="ClassSelection"/>) only those classes are kept, in both parts, relabelled 0 … k−1; with
/// <c>perClass</c> the training part keeps the first that many images of each class.
public sealed class CifarSource(string spec, ImagePreset preset, bool coarse = false, double? imbalance = null, string? twoViews = null, double validationShare = 0,
    int[]? selection = null, int? perClass = null) : IDataSource
{
    public const string Synthetic = "synthetic", SyntheticDownstream = "synthetic-downstream";

    string? root;
    CifarKind kind;
    ImageArray? train, test, validation;
    GreyViews? grey;

    public string Description => $"{(GreySets.Names(spec) ? GreySets.Describe(spec) : spec)}{(coarse ? " (coarse labels)" : "")}{(selection is null ? "" : $", classes {string.Join(",", selection)}")}{(perClass is int cap ? $", at most {cap} training images a class" : "")}{(imbalance is double r ? $", long-tailed ×{r}" : "")}{(twoViews is null ? "" : $", two {twoViews} views")}{(validationShare > 0 ? $", {validationShare:P0} held out" : "")}";
    public IReadOnlyList<int> Folds => [1];

    /// <summary>A one-line complaint about the spec, or null when it names a known source.</summary>
    public static string? Problem(string spec) =>
        spec is Synthetic or SyntheticDownstream || spec.StartsWith("cifar10:") || spec.StartsWith("cifar100:") || GreySets.Names(spec) ? null
            : $"--data must be cifar10:DIR, cifar100:DIR, {Synthetic}, {SyntheticDownstream}, {GreySets.FashionMnist}[:DIR], {GreySets.IdxPrefix}DIR or {GreySets.Digits} (got '{spec}')";

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
                SyntheticImages.Write(dir, new SynthImageOptions(), AtomicFile.Write);
                AtomicFile.WriteText(marker, stamp);
            }
            (kind, root) = spec == Synthetic ? (CifarKind.Cifar100, Path.Combine(dir, "source")) : (CifarKind.Cifar10, Path.Combine(dir, "downstream"));
        }
        else if (!GreySets.Names(spec)) (kind, root) = spec.StartsWith("cifar100:") ? (CifarKind.Cifar100, spec["cifar100:".Length..]) : (CifarKind.Cifar10, spec["cifar10:".Length..]);
        if (GreySets.Names(spec))
        {
            (train, test, grey) = GreySets.Read(spec, coarse);
        }
        else
        {
            train = CifarBinary.Read(root!, kind, train: true, coarse);
            test = CifarBinary.Read(root!, kind, train: false, coarse);
        }
        if (selection is not null) (train, test) = (ClassSelection.Apply(train, selection, spec), ClassSelection.Apply(test, selection, spec));
        if (perClass is int most) train = ClassSelection.Cap(train, most);
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
        AtomicFile.WriteTextIfChanged(Path.Combine(runDir, "class_counts.json"), JsonSerializer.Serialize(counts, new JsonSerializerOptions { WriteIndented = true }));
    }

    public IReadOnlyList<string> Classes(int fold) => (train ?? throw new InvalidOperationException("Prepare the source first")).Classes;

    public Fold Open(int fold, InputSpec? input, TrainOptions options, int seed)
    {
        if (train is null || test is null) throw new InvalidOperationException("Prepare the source first");
        // Convolutional networks take the images at their own size; a network with a fixed input gets them resized to it.
        int? size = input?.Size;
        var pairs = twoViews is null ? null : TwoViewAugmentation.For(twoViews, size ?? train.Height);
        var (mean, std) = grey is null ? (preset.Mean, preset.Std) : (grey.Mean, grey.Std);
        // CIFAR pads its 32² images by 4: the same eighth of the side for 28² Fashion-MNIST and the 8² digits.
        var trainView = new ImageViewOptions(mean, std, Train: true, Padding: Math.Max(1, train.Height / 8), HorizontalFlip: grey?.Flip ?? true, Size: size, TwoViews: pairs);
        var evalView = new ImageViewOptions(mean, std, Train: false, Size: size);
        var trainLoader = new ImageArrayLoader(train, trainView, options.BatchSize, seed, dropLast: train.Count >= options.BatchSize, shard: new(options.Rank, options.Ranks));
        var testLoader = new ImageArrayLoader(test, evalView, options.BatchSize, seed, shard: new(options.Rank, options.Ranks));
        var plainLoader = new ImageArrayLoader(train, evalView, options.BatchSize, seed);
        var valLoader = validation is null ? null : new ImageArrayLoader(validation, evalView, options.BatchSize, seed, shard: new(options.Rank, options.Ranks));
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
