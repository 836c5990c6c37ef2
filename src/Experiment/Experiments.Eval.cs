using System.Globalization;
using Microsoft.Extensions.Logging;
using VideoVCReg.Experiment.Specs;
using VideoVCReg.Experiment.Video;
using VideoVCReg.FineTune;
using VideoVCReg.Models;
using VideoVCReg.Models.Checkpoints;

namespace VideoVCReg.Experiment;

/// <summary>Evaluation's entry: `eval` comes here.</summary>
public static partial class Experiments
{
    /// <summary>Tests the spec's checkpoint on every split of its data with N clips × M crops; the outcomes in split order, and the report over them.</summary>
    public static IReadOnlyList<FoldOutcome> Run(EvalSpec spec, ILoggerFactory loggers, CancellationToken cancel)
    {
        var data = spec.Data;
        if (data.Dataset() is { } dataset && !Directory.Exists(dataset.Dir)) throw new DirectoryNotFoundException($"{dataset.Dir}: dataset folder not found");
        var log = loggers.CreateLogger("eval");
        var preset = ModelPresets.Get(spec.Model, spec.Presets);
        var source = new VideoSplits(data, null, (int)spec.Seed, loggers.CreateLogger("loader"));
        var runner = new ExperimentRunner(new ExperimentOptions
        {
            OutDir = spec.OutDir, Force = spec.Force, Train = new TrainOptions { BatchSize = spec.BatchSize }, Seed = (int)spec.Seed,
            Device = VideoVCReg.Runtime.TorchDevice.Resolve(spec.Device),
            Title = $"{Path.GetFileName(spec.Weights)}, noise σ {data.Noise.ToString(CultureInfo.InvariantCulture)}, {data.TestClips}×{data.TestCrops} views",
            ResultFields = new Dictionary<string, object?>
            {
                ["weights"] = spec.Weights, ["data"] = data.Path, ["noise"] = data.Noise, ["test_views"] = $"{data.TestClips}x{data.TestCrops}",
            },
        }, loggers, cancel);
        return runner.Test(source, (classes, _) =>
        {
            var built = PresetModels.Build(preset, spec.Weights, new LoadOptions(null, spec.Frames, spec.Size), log);
            long head = built.Model.Classes;
            if (head != classes)
            {
                built.Model.Dispose();
                throw new InvalidDataException($"{spec.Weights}: the head has {head} classes, the dataset {classes}");
            }
            return built;
        });
    }
}
