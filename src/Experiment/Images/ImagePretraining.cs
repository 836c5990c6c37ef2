using Microsoft.Extensions.Logging;
using VideoVCReg.FineTune;
using VideoVCReg.Models.Checkpoints;
using VideoVCReg.Models.Image;
using VideoVCReg.Models.Regularization;
using static TorchSharp.torch;

namespace VideoVCReg.Experiment.Images;

/// <summary>What an image pretraining run needs beside the loop's recipe and the regularizer.</summary>
/// <param name="TrivialAugment">Training views get torchvision's TrivialAugmentWide (ImageFolder data).</param>
/// <param name="RandomErase">Training views get torchvision's RandomErasing with this probability (ImageFolder data).</param>
public sealed record ImagePretrainSpec(ImagePreset Preset, string Data, bool Coarse = false, double? Imbalance = null, string? Start = null, int Workers = 2,
    bool TrivialAugment = false, double RandomErase = 0);

/// <summary>
/// Supervised pretraining of an image backbone on image data (<see cref="ImageSources"/>) through the experiment layer: the run folder,
/// the loop, torchvision-layout checkpoints, the test on the balanced test set and the report. `pretrain --arch`
/// and the image protocols call it.
/// </summary>
public static class ImagePretraining
{
    public static IReadOnlyList<FoldOutcome> Run(ImagePretrainSpec spec, ExperimentOptions options, ILoggerFactory? loggers, CancellationToken cancel)
    {
        var source = ImageSources.Create(spec.Data, spec.Preset, spec.Coarse, spec.Imbalance, spec.Workers, loggers?.CreateLogger("data"),
            spec.TrivialAugment, spec.RandomErase);
        var reg = options.Regularizer;
        var runner = new ExperimentRunner(options with
        {
            Title = options.Title.Length > 0 ? options.Title : $"{spec.Preset.Name} on {source.Description}, {reg.Kind} at {reg.Placement}",
            Settings = new Dictionary<string, object?>(options.Settings)
            {
                ["arch"] = spec.Preset, ["weights"] = spec.Start, ["labels"] = spec.Coarse ? "coarse" : "fine", ["imbalance"] = spec.Imbalance,
                ["trivial_augment"] = spec.TrivialAugment, ["random_erase"] = spec.RandomErase,
            },
            ResultFields = new Dictionary<string, object?>(options.ResultFields)
            {
                ["weights"] = spec.Start, ["data"] = source.Description, ["noise"] = 0.0, ["test_views"] = "1x1",
            },
        }, loggers, cancel);
        return runner.Run(source, (classes, from) =>
        {
            var net = ImagePresets.Build(spec.Preset, classes);
            var weights = from ?? spec.Start;
            if (weights is not null) TorchvisionCheckpoint.LoadStrict(net, weights);
            return new BuiltModel(net, spec.Preset.Name, weights ?? "random weights");
        });
    }
}
