using System.Text.Json;
using Microsoft.Extensions.Logging;
using VideoVCReg.Decoding.Images;
using VideoVCReg.Decoding.Loading;
using VideoVCReg.FineTune;
using VideoVCReg.Models;
using VideoVCReg.Models.Image;
using VideoVCReg.Runtime.IO;

namespace VideoVCReg.Experiment.Images;

/// <summary>
/// An ImageFolder tree as an experiment's data: <c>DIR/train/&lt;class&gt;/*</c> and <c>DIR/val/&lt;class&gt;/*</c>, decoded
/// by the background loader (<see cref="ImageFolderLoader"/>; a bad file is logged, skipped and counted). Training
/// views: RandomResizedCrop + flip at the network's input size; test: resize to size / crop ratio and centre crop
/// (the preset's); probe views: appendix C.1's bicubic resize and centre crop at the preset's probe size. Training views
/// optionally get the recipe's parts (<see cref="ImageRecipe"/>): TrivialAugmentWide or AutoAugment, RandomErasing, torchvision's
/// --train-crop-size and --val-resize-size, and its repeated-augmentation sampler.
/// <c>--imbalance R</c> long-tails the training set as for CIFAR. With <c>coarse</c>, DIR/coarse_labels.json
/// (<see cref="CoarseLabels"/>) maps the class folders to the coarse classes trained on.
/// </summary>
/// With <c>twoViews</c> (a self-supervised objective) training batches hold two views of every image and there is no classification test.
/// With <c>validationShare</c> &gt; 0 a stratified share of the training set (<see cref="ImageHoldOut"/>) is held out and scored after every epoch.
public sealed class ImageFolderSource(string root, ImagePreset preset, double? imbalance = null, int workers = 2, ILogger? log = null,
    ImageRecipe? recipe = null, string? twoViews = null, double validationShare = 0, bool coarse = false) : IDataSource
{
    ImageFolderSet? train, test, validation;
    readonly List<ImageFolderLoader> loaders = [];

    public string Description => $"{root}{(coarse ? " (coarse labels)" : "")}{(imbalance is double r ? $", long-tailed ×{r}" : "")}{(twoViews is null ? "" : $", two {twoViews} views")}{(validationShare > 0 ? $", {validationShare:P0} held out" : "")}";
    public IReadOnlyList<int> Folds => [1];

    public void Prepare(string runDir, CancellationToken cancel)
    {
        train = ImageFolder.Scan(Path.Combine(root, "train"));
        test = ImageFolder.Scan(Path.Combine(root, "val"), train.Classes);
        TrainingClasses.RequireEach(train.Root, train.Classes, train.Files.Select(f => f.Label), "their folders hold no image file: remove them or add images");
        if (coarse)
        {
            var map = CoarseLabels.Load(Path.Combine(root, CoarseLabels.FolderFile));
            (train, test) = (map.Apply(train), map.Apply(test));
        }
        if (imbalance is double ratio)
            train = train.Subset(LongTail.Subsample([.. train.Files.Select(f => f.Label)], train.Classes.Count, ratio, seed: 0, train.Classes));
        if (validationShare > 0)
        {
            var (fit, held) = ImageHoldOut.Split([.. train.Files.Select(f => f.Label)], validationShare, seed: 0);
            validation = train.Subset(held);
            train = train.Subset(fit);
        }
        TrainingClasses.RequireReadable(train);
        var counts = train.Classes.Select((name, c) => new { @class = name, train = train.Files.Count(f => f.Label == c), test = test.Files.Count(f => f.Label == c) });
        AtomicFile.WriteTextIfChanged(Path.Combine(runDir, "class_counts.json"), JsonSerializer.Serialize(counts, new JsonSerializerOptions { WriteIndented = true }));
    }

    public IReadOnlyList<string> Classes(int fold) => (train ?? throw new InvalidOperationException("Prepare the source first")).Classes;

    public Fold Open(int fold, InputSpec? input, TrainOptions options, int seed)
    {
        if (train is null || test is null) throw new InvalidOperationException("Prepare the source first");
        var r = recipe ?? new ImageRecipe();
        int size = input?.Size ?? preset.InputSize;
        // A network with a fixed input takes its own size in training too; convolutional ones take torchvision's lower training crop.
        if (r.TrainCropSize is int crop && input is not null && crop != input.Size)
            throw new ArgumentException($"--train-crop-size {crop}: {preset.Name} takes {input.Size}² inputs only");
        int trainSize = r.TrainCropSize ?? size;
        var pairs = twoViews is null ? null : Decoding.Transforms.TwoViewAugmentation.For(twoViews, trainSize);
        ImageViewSpec Spec(ImageViewKind kind, int s) => new(kind, s, preset.CropRatio, preset.Interpolation, preset.Mean, preset.Std,
            AutoAugment: r.AutoAugment, EraseProbability: r.RandomErase, TwoViews: pairs, ResizeSize: r.ValResizeSize);
        // Training and test loaders read this process's share of a data-parallel run; the probe's read every image.
        ImageFolderLoader Loader(ImageFolderSet set, ImageViewKind kind, int s, bool dropLast = false)
        {
            bool shared = kind is not ImageViewKind.Probe;
            var l = new ImageFolderLoader(set, Spec(kind, s), new LoaderOptions(options.BatchSize, workers, seed, DropLast: dropLast,
                Repetitions: kind is ImageViewKind.Train or ImageViewKind.TwoViews ? r.RaReps : 1,
                Rank: shared ? options.Rank : 0, Ranks: shared ? options.Ranks : 1), log);
            loaders.Add(l);
            return l;
        }
        var trainLoader = Loader(train, pairs is null ? ImageViewKind.Train : ImageViewKind.TwoViews, trainSize, dropLast: train.Count >= options.BatchSize);
        var testLoader = Loader(test, ImageViewKind.Eval, size);
        var valLoader = validation is null ? null : Loader(validation, ImageViewKind.Eval, size);
        var probeTrain = Loader(train, ImageViewKind.Probe, preset.EffectiveProbeSize);
        var probeTest = Loader(test, ImageViewKind.Probe, preset.EffectiveProbeSize);
        EvalData Eval(ImageFolderLoader l, ImageFolderSet set) =>
            new((e, c) => l.Epoch(0, c), l.BatchesPerEpoch(), set.Count, "1x1", Path.Combine(root, set == train ? "train" : "val"), "images", l.Summary);
        return new Fold
        {
            Id = fold, Classes = train.Classes, TrainSamples = train.Count,
            Train = new TrainData((e, c) => trainLoader.Epoch(e, c), trainLoader.BatchesPerEpoch()),
            Validation = valLoader is null ? null : new((e, c) => valLoader.Epoch(0, c), valLoader.BatchesPerEpoch(), validation!.Count, "1x1",
                Path.Combine(root, "train") + " (validation share)", "images", valLoader.Summary),
            // Self-supervised pretraining has no classifier to test: `probe` scores its representation.
            Test = pairs is null ? Eval(testLoader, test) : null,
            ProbeTrain = Eval(probeTrain, train),
            ProbeTest = Eval(probeTest, test),
            Skipped = () => loaders.SelectMany(l => l.Skipped).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.First().Value),
        };
    }
}
