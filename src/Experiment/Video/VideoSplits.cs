using Microsoft.Extensions.Logging;
using VideoVCReg.Decoding.Datasets;
using VideoVCReg.Decoding.Loading;
using VideoVCReg.Decoding.Synthetic;
using VideoVCReg.Decoding.Transforms;
using VideoVCReg.FineTune;
using VideoVCReg.Models;

namespace VideoVCReg.Experiment.Video;

/// <summary>
/// Videos of a dataset spec (<see cref="DatasetSpec"/>: HMDB51, UCF101, Kinetics or VideoMAE list files; the
/// synthetic motion dataset is HMDB51-laid-out): per split, the training list minus a held-out validation share
/// grouped by source video, and the test list with clips × crops views, all through the background
/// <see cref="VideoLoader"/>. Every split is read when the run starts, so a leak, a hostile path or too many missing
/// videos stop it before any training, and what each split lost is logged. Without a dataset the synthetic one is
/// written under the run folder on first use and reused while its settings hold.
/// </summary>
public sealed class VideoSplits(DataOptions data, string? runDirForSynthetic, int synthSeed, ILogger log) : IDataSource
{
    readonly DatasetSpec spec = data.Dataset() ?? new DatasetSpec(DatasetLayout.Hmdb51,
        Path.Combine(runDirForSynthetic ?? throw new ArgumentException("no --data and no run folder for the synthetic dataset"), "synthetic-data"));
    readonly Dictionary<int, SplitData> loaded = [];

    public string Root => spec.Dir;
    /// <summary>The folder for HMDB51 (what earlier runs recorded), the spec for the other layouts.</summary>
    public string Description => spec.Layout == DatasetLayout.Hmdb51 ? Path.GetFullPath(spec.Dir) : $"{DatasetSpec.Name(spec.Layout)}:{Path.GetFullPath(spec.Dir)}";
    public IReadOnlyList<int> Folds => spec.Folds(data.Split);

    /// <summary>The views a model with this input expects, from the data options (VideoMAE's decode size 256 for 224 crops).</summary>
    public static ViewOptions Views(InputSpec input, DataOptions data) => new()
    {
        ClipLength = input.Frames, SamplingRate = data.SamplingRate, CropSize = input.Size,
        TrainShortSide = (int)Math.Round(input.Size * 256 / 224.0),
        Normalization = Normalization.Named(input.Normalization), NoiseSigma = data.Noise,
        TestClips = data.TestClips, TestCrops = data.TestCrops,
        HorizontalFlip = data.Flip ?? data.Path is not null,
        RandAugment = data.RandAugment == "none" ? null : data.RandAugment,
        CropMinArea = data.CropMinArea,
    };

    public void Prepare(string runDir, CancellationToken cancel)
    {
        if (data.Path is null) Synthesize(cancel);
        if (!Directory.Exists(spec.Dir)) throw new DirectoryNotFoundException($"{spec.Dir}: dataset folder not found");
        foreach (var fold in Folds) Lists(fold);
    }

    public IReadOnlyList<string> Classes(int fold) => Lists(fold).Train.Classes;

    SplitData Lists(int fold)
    {
        if (!loaded.TryGetValue(fold, out var split))
        {
            loaded[fold] = split = DatasetSplits.Load(spec, fold, data.MaxMissing);
            log.LogInformation("{Data} {Loss}", spec.Text, split.Loss.Describe(fold));
        }
        return split;
    }

    public Fold Open(int fold, InputSpec? input, TrainOptions train, int seed)
    {
        if (input is null) throw new ArgumentException($"{Description}: clips need a network that states its input (frames, size, normalisation)");
        var (trainSplit, testSplit, groupOf, _) = Lists(fold);
        var (fit, val) = data.ValidationShare > 0 ? HoldOut.Split(trainSplit, data.ValidationShare, seed, groupOf) : (trainSplit, null);
        var views = Views(input, data);
        // Repeated augmentation: each video gives RepeatedAugment views per step, so a step holds BatchSize videos.
        int perStep = train.BatchSize * train.RepeatedAugment;
        var trainLoader = new VideoLoader(fit, new ViewPipeline(views with { TrainViews = train.RepeatedAugment }, ViewMode.Train),
            new LoaderOptions(perStep, data.Workers, seed, DropLast: fit.Count * train.RepeatedAugment >= perStep, Rank: train.Rank, Ranks: train.Ranks), log);
        // Validation and test: this process's share of the videos (all of them on one process); the scores are gathered.
        var valLoader = val is null ? null : new VideoLoader(val, new ViewPipeline(views with { TestClips = 1, TestCrops = 1 }, ViewMode.Test),
            new LoaderOptions(train.BatchSize, data.Workers, seed, Rank: train.Rank, Ranks: train.Ranks), log);
        var testLoader = new VideoLoader(testSplit, new ViewPipeline(views, ViewMode.Test),
            new LoaderOptions(train.BatchSize, data.Workers, seed, Rank: train.Rank, Ranks: train.Ranks), log);
        // Probe and analysis views: one centred clip, centre crop, of every training video (validation share included) and every test video.
        var centre = new ViewPipeline(views with { TestClips = 1, TestCrops = 1 }, ViewMode.Test);
        var probeTrain = new VideoLoader(trainSplit, centre, new LoaderOptions(train.BatchSize, data.Workers, seed), log);
        var probeTest = new VideoLoader(testSplit, centre, new LoaderOptions(train.BatchSize, data.Workers, seed), log);
        return new Fold
        {
            Id = fold, Classes = trainSplit.Classes, TrainSamples = fit.Count, RowsPerSample = train.RepeatedAugment,
            Train = new TrainData((e, cancel) => trainLoader.Epoch(e, cancel), trainLoader.BatchesPerEpoch()),
            Validation = valLoader is null ? null : new EvalData((e, c) => valLoader.Epoch(e, c), valLoader.BatchesPerEpoch(), val!.Count, "1x1", val.Source, "videos", valLoader.Summary),
            Test = new EvalData((e, c) => testLoader.Epoch(e, c), testLoader.BatchesPerEpoch(), testSplit.Count, $"{data.TestClips}x{data.TestCrops}", testSplit.Source, "videos", testLoader.Summary),
            ProbeTrain = new EvalData((e, c) => probeTrain.Epoch(0, c), probeTrain.BatchesPerEpoch(), trainSplit.Count, "1x1", trainSplit.Source, "videos", probeTrain.Summary),
            ProbeTest = new EvalData((e, c) => probeTest.Epoch(0, c), probeTest.BatchesPerEpoch(), testSplit.Count, "1x1", testSplit.Source, "videos", probeTest.Summary),
            Skipped = () => new[] { trainLoader, valLoader, testLoader, probeTrain, probeTest }.Where(l => l is not null).SelectMany(l => l!.SkippedVideos)
                .GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.First().Value),
        };
    }

    /// <summary>The synthetic motion dataset, written once under the run folder and reused by later runs with the same settings.</summary>
    void Synthesize(CancellationToken cancel)
    {
        var root = spec.Dir;
        var marker = Path.Combine(root, ".complete");
        var stamp = $"{data.SynthClasses} {data.SynthVideosPerClass} {synthSeed} {data.SceneColourJitter?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "motion-only"}";
        if (File.Exists(marker) && File.ReadAllText(marker) == stamp) return;
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true); // other settings, or an interrupted write
        log.LogInformation("no --data: writing the synthetic motion dataset ({Classes} classes × {PerClass} videos) to {Root}", data.SynthClasses, data.SynthVideosPerClass, root);
        SyntheticDataset.Write(root, new SynthOptions(data.SynthClasses, data.SynthVideosPerClass, synthSeed, SceneColourJitter: data.SceneColourJitter), cancel: cancel);
        File.WriteAllText(marker, stamp);
    }
}
