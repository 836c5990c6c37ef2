using Microsoft.Extensions.Logging;
using TorchSharp;
using VideoVCReg.Experiment.Images;
using VideoVCReg.Experiment.Specs;
using VideoVCReg.Experiment.Video;
using VideoVCReg.Models;
using VideoVCReg.Models.Checkpoints;

namespace VideoVCReg.Experiment;

/// <summary>Pretraining's entry: `pretrain` and a sweep's pretrain trials come here.</summary>
public static partial class Experiments
{
    /// <summary>
    /// Trains (or resumes, or with <see cref="PretrainSpec.Reuse"/> keeps) the spec's pretraining and tests it where the data
    /// has a test set: an image backbone through <see cref="ImagePretraining"/>, a video preset on rendered motion classes
    /// (<see cref="SyntheticMotion"/>) or on split 1 of a video dataset. The outcome's folder holds checkpoint-last.pth.
    /// </summary>
    public static IReadOnlyList<FoldOutcome> Run(PretrainSpec spec, ILoggerFactory loggers, CancellationToken cancel)
    {
        torch.manual_seed(spec.Seed);
        var options = new ExperimentOptions
        {
            OutDir = spec.OutDir, Force = spec.Force, ReuseFinished = spec.Reuse, SkipTest = spec.SkipTest, Train = spec.Train, Regularizer = spec.Regularizer,
            Seed = (int)spec.Seed, Device = VideoVCReg.Runtime.TorchDevice.Resolve(spec.Device),
        };
        if (spec.Arch is not null) return ImagePretraining.Run(spec.Image(), options, loggers, cancel);

        var data = spec.VideoData;
        var preset = ModelPresets.Get(spec.Model, spec.Presets);
        IDataSource source = spec.Rendered ? new SyntheticMotion(spec.Classes ?? 16, spec.StepsPerEpoch ?? 50, spec.ValClips ?? 64, data)
            : new VideoSplits(data, spec.OutDir, (int)spec.Seed, loggers.CreateLogger("loader"));
        var runner = new ExperimentRunner(options with
        {
            Title = $"{preset.Name} pretrained on {source.Description}",
            Spec = spec, Resolved = RunInputs.Resolved(preset, spec.Weights),
            ResultFields = new Dictionary<string, object?> { ["weights"] = spec.Weights, ["data"] = source.Description },
        }, loggers, cancel);
        var log = loggers.CreateLogger("pretrain");
        return runner.Run(source, (classes, from) => PresetModels.Build(preset, from ?? spec.Weights,
            new LoadOptions(classes, spec.Frames, spec.Size, spec.Train.DropPath, KeepFloat64: spec.Train.Precision == "float64"), log));
    }
}
