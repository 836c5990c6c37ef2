using Microsoft.Extensions.Logging;
using VideoVCReg.Decoding.Images;
using VideoVCReg.Experiment.Specs;
using VideoVCReg.FineTune;
using VideoVCReg.FineTune.Objectives;
using VideoVCReg.Models.SelfSupervised;
using VideoVCReg.Models.Checkpoints;
using VideoVCReg.Models.Image;
using VideoVCReg.Models.Regularization;
using VideoVCReg.Runtime.Distributed;
using static TorchSharp.torch;

namespace VideoVCReg.Experiment.Images;

/// <summary>What an image pretraining run needs beside the loop's recipe and the regularizer.</summary>
/// <param name="Recipe">The recipe's ImageFolder training parts (augmentation policy, erasing, crop sizes, repeated augmentation).</param>
/// <param name="Objective">supervised (classification), or a self-supervised objective (<see cref="SelfSupervisedKinds"/>) on two views.</param>
/// <param name="Projector">The projector's widths after the backbone's features ("2048-256"); null: the objective's, scaled to the backbone (<see cref="DefaultProjector"/>).</param>
/// <param name="Temperature">NT-Xent's τ (SimCLR).</param>
public sealed record ImagePretrainSpec(ImagePreset Preset, string Data, bool Coarse = false, double? Imbalance = null, string? Start = null, int Workers = 2,
    ImageRecipe? Recipe = null, string Objective = ImagePretrainSpec.Supervised, string? Projector = null, double Temperature = 0.1, double ValidationShare = 0)
{
    public const string Supervised = "supervised";
    public bool SelfSupervised => Objective != Supervised;

    /// <summary>
    /// The objective's projector after a backbone of <paramref name="featureWidth"/> features: the paper's for ResNet-50
    /// (appendix C.5: SimCLR 2048 → 2048 → 256, VICReg 2048 → 8192 → 8192), the same ratios for other backbones
    /// (<see cref="Models.SelfSupervised.Projector.VicRegWidths"/>).
    /// </summary>
    public static string DefaultProjector(string objective, long featureWidth) => string.Join("-", objective == SelfSupervisedKinds.VicReg
        ? Models.SelfSupervised.Projector.VicRegWidths(featureWidth) : Models.SelfSupervised.Projector.SimClrWidths(featureWidth));

    /// <summary>
    /// What a self-supervised run must leave off, as "mixup 0.8, layer decay 0.75", or null. Mixup, cutmix and label smoothing
    /// act on labels, which it does not have; repeated augmentation and layer decay belong to fine-tuning a pretrained
    /// video network (VideoMAE's recipe), while this trains every layer from the start. A recipe or a typed option that turns
    /// one on is refused rather than ignored, so settings.json never records what did not run.
    /// </summary>
    public static string? FineTuningOnly(TrainOptions train)
    {
        var on = new List<string>();
        if (train.Mixup != 0) on.Add($"mixup {train.Mixup}");
        if (train.Cutmix != 0) on.Add($"cutmix {train.Cutmix}");
        if (train.LabelSmoothing != 0) on.Add($"label smoothing {train.LabelSmoothing}");
        if (train.RepeatedAugment != 1) on.Add($"repeated augmentation {train.RepeatedAugment}");
        if (train.LayerDecay != 1) on.Add($"layer decay {train.LayerDecay}");
        return on.Count == 0 ? null : string.Join(", ", on);
    }

    /// <summary>The refusal of <see cref="FineTuningOnly"/>'s settings <paramref name="on"/> for a self-supervised <paramref name="objective"/>.</summary>
    public static string LabelFree(string objective, string on) =>
        $"--objective {objective} has no labels and trains every layer from the start: {on} must be off " +
        "(--mixup 0 --cutmix 0 --label-smoothing 0 --num-sample 1 --layer-decay 1; the simclr and vicreg recipes set them so)";

    /// <summary>A one-line complaint about the objective's settings, or null.</summary>
    public string? Problem()
    {
        if (Objective != Supervised && !SelfSupervisedKinds.All.Contains(Objective))
            return $"--objective must be {Supervised}, {string.Join(" or ", SelfSupervisedKinds.All)} (got '{Objective}')";
        if (!SelfSupervised && Projector is not null) return "--projector applies to --objective simclr or vicreg only";
        if (!(Temperature > 0 && Temperature <= 100)) return $"--temperature must be in (0, 100] (got {Temperature})";
        if (!(ValidationShare >= 0 && ValidationShare < 1)) return $"--val-share must be in [0, 1) (got {ValidationShare})";
        if (SelfSupervised && ValidationShare > 0) return "--val-share scores a classifier: supervised pretraining only (probe a self-supervised run)";
        try { if (Projector is not null) Models.SelfSupervised.Projector.Widths(Projector); }
        catch (ArgumentException e) { return e.Message; }
        return null;
    }
}

/// <summary>
/// Supervised pretraining of an image backbone on image data (<see cref="ImageSources"/>) through the experiment layer: the run folder,
/// the loop, torchvision-layout checkpoints, the test on the balanced test set and the report. `pretrain --arch`
/// and the image protocols call it.
/// </summary>
public static class ImagePretraining
{
    public static IReadOnlyList<FoldOutcome> Run(ImagePretrainSpec spec, ExperimentOptions options, ILoggerFactory? loggers, CancellationToken cancel)
    {
        // The objective's settings were checked where they were given (PretrainSpec, the protocol verb); the recipe's switches
        // are checked here too because the protocols have no spec that would list them.
        if (spec.SelfSupervised && ImagePretrainSpec.FineTuningOnly(options.Train) is string on)
            throw new ArgumentException(ImagePretrainSpec.LabelFree(spec.Objective, on));
        var source = ImageSources.Create(spec.Data, spec.Preset, spec.Coarse, spec.Imbalance, spec.Workers, loggers?.CreateLogger("data"),
            spec.Recipe, spec.SelfSupervised ? spec.Objective : null, spec.ValidationShare);
        var projector = spec.Projector ?? DefaultProjectorFor(spec);
        var reg = options.Regularizer;
        var runner = new ExperimentRunner(options with
        {
            Title = options.Title.Length > 0 ? options.Title : $"{spec.Preset.Name}{(spec.SelfSupervised ? $" ({spec.Objective})" : "")} on {source.Description}, {reg.Kind} at {reg.Placement}",
            Spec = Recorded(spec, options),
            Resolved = new Dictionary<string, object?>
            {
                ["arch"] = spec.Preset with { Description = "" }, ["projector"] = spec.SelfSupervised ? projector : null,
                ["weights"] = spec.Start is null ? null : Path.GetFullPath(spec.Start),
            },
            ResultFields = new Dictionary<string, object?>(options.ResultFields)
            {
                ["weights"] = spec.Start, ["data"] = source.Description, ["noise"] = 0.0, ["test_views"] = "1x1",
            },
        }, loggers, cancel);
        if (spec.SelfSupervised) return runner.Run(source, (_, from) => BuildSelfSupervised(spec, projector, from, options.Group));
        return runner.Run(source, (classes, from) =>
        {
            var net = ImagePresets.Build(spec.Preset, classes);
            // The run's own checkpoint restores everything; a start may be a self-supervised backbone (a fresh classifier then).
            if (from is not null) TorchvisionCheckpoint.LoadStrict(net, from);
            else if (spec.Start is not null) TorchvisionCheckpoint.LoadStart(net, spec.Start);
            return new BuiltModel(net, spec.Preset.Name, from ?? spec.Start ?? "random weights");
        });
    }

    /// <summary>
    /// The run as the spec `pretrain --arch` takes for it, whoever started it (the verb, a protocol's row): settings.json
    /// records it, so the same pretraining is the same setting either way. Video-only sections stay at their defaults.
    /// </summary>
    static PretrainSpec Recorded(ImagePretrainSpec spec, ExperimentOptions options)
    {
        var r = spec.Recipe ?? new ImageRecipe();
        return new()
        {
            Arch = spec.Preset.Name, Source = spec.Data, Labels = spec.Coarse ? "coarse" : "fine", Imbalance = spec.Imbalance, Weights = spec.Start,
            Objective = spec.Objective, Projector = spec.Projector, Temperature = spec.Temperature, ValidationShare = spec.ValidationShare,
            Seed = options.Seed, Train = options.Train, Regularizer = options.Regularizer,
            Data = new() { Workers = spec.Workers, AutoAugment = r.AutoAugment, RandomErase = r.RandomErase, TrainCropSize = r.TrainCropSize, ValResizeSize = r.ValResizeSize, RaReps = r.RaReps },
        };
    }

    static string DefaultProjectorFor(ImagePretrainSpec spec) => ImagePretrainSpec.DefaultProjector(spec.Objective, ImagePresets.FeatureWidth(spec.Preset.Arch));

    /// <summary>
    /// Backbone (its classifier frozen and unsaved) plus the objective's projector. A run's own checkpoint restores both;
    /// <c>--weights</c> gives the backbone its starting weights (any torchvision or self-supervised file) and the projector starts fresh.
    /// </summary>
    static BuiltModel BuildSelfSupervised(ImagePretrainSpec spec, string projector, string? from, ProcessGroup group)
    {
        var widths = Models.SelfSupervised.Projector.Widths(projector);
        var backbone = ImagePresets.Build(spec.Preset, 1);
        var net = new SslNetwork(backbone, d => spec.Objective == SelfSupervisedKinds.VicReg
            ? Models.SelfSupervised.Projector.VicReg(d, widths) : Models.SelfSupervised.Projector.SimClr(d, widths));
        if (from is not null) TorchvisionCheckpoint.LoadStrict(net, from, k => !k.StartsWith(net.HeadPrefix));
        else if (spec.Start is not null) TorchvisionCheckpoint.LoadBackbone(backbone, spec.Start);
        var origin = from ?? spec.Start ?? "random weights";
        return new BuiltModel(net, $"{spec.Preset.Name} + {spec.Objective} projector {net.FeatureWidth}-{projector}", origin,
            new SelfSupervisedObjective(net, spec.Objective, spec.Temperature, group));
    }
}
