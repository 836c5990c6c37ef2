using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Experiment;
using VideoVCReg.Experiment.Images;
using VideoVCReg.Experiment.Video;
using VideoVCReg.FineTune;
using VideoVCReg.Models;
using VideoVCReg.Models.Checkpoints;
using VideoVCReg.Models.Regularization;

namespace VideoVCReg.Cli.Commands;

/// <summary>
/// `videovcreg pretrain`: supervised pretraining of a network on a source dataset, through the same experiment
/// layer, loop and checkpoint writer as `finetune`; its checkpoint-last.pth is a starting point for
/// `finetune --weights`. Video networks (<c>--model</c>) pretrain on rendered motion classes
/// (<see cref="SyntheticMotion"/>); image backbones (<c>--arch</c>) on CIFAR-format data (<see cref="CifarSource"/>),
/// and save in torchvision's layout.
/// </summary>
public static class PretrainCommand
{
    public static Command Build()
    {
        var model = new Option<string>("--model") { Description = "Preset name (see 'videovcreg models')", DefaultValueFactory = _ => "videomae-s" };
        var weights = new Option<string?>("--weights") { Description = "Starting checkpoint (any supported layout); random weights when absent" };
        var presets = new Option<string?>("--presets") { Description = "Extra presets JSON layered over configs/models.json" };
        var frames = new Option<int?>("--frames") { Description = "Frames per clip, if not the preset's" };
        var size = new Option<int?>("--size") { Description = "Square input size, if not the preset's" };
        var arch = new Option<string?>("--arch") { Description = $"Image backbone preset instead of a video model: {string.Join(", ", VideoVCReg.Models.Image.ImagePresets.Architectures)} (configs/images.json)" };
        var imagePresets = new Option<string?>("--image-presets") { Description = "Image presets JSON instead of configs/images.json" };
        var data = new Option<string?>("--data") { Description = $"Source data. Video: {SyntheticMotion.Name} (default; fresh rendered videos of motion classes the synthetic dataset does not have) or a dataset, {VideoVCReg.Decoding.Datasets.DatasetSpec.Accepted} (split 1, as finetune reads it). Images: {ImageSources.Accepted} (default {CifarSource.Synthetic})" };
        var labels = new Option<string>("--labels") { Description = "Image labels: fine, or coarse (CIFAR-100's, or a coarse mapping: configs/labels/NAME-coarse.json, DIR/coarse_labels.json)", DefaultValueFactory = _ => "fine" };
        var imbalance = new Option<double?>("--imbalance") { Description = "Long-tail the training set: class c keeps n_max·R^(−c/(C−1)) images (the test set stays balanced)" };
        var classes = new Option<int>("--classes") { Description = "Source classes (default 16: 8 directions × 2 speeds)", DefaultValueFactory = _ => 16 };
        var steps = new Option<int>("--steps-per-epoch") { Description = "Batches per epoch, each of freshly rendered videos (default 50)", DefaultValueFactory = _ => 50 };
        var valClips = new Option<int>("--val-clips") { Description = "Held-out rendered videos scored after each epoch; 0: none (default 64)", DefaultValueFactory = _ => 64 };
        var outDir = new Option<string>("--out") { Description = "Run folder: split1/ (metrics.jsonl, checkpoint-last.pth, TensorBoard), settings.json, report.json", DefaultValueFactory = _ => "runs/pretrain" };
        var force = new Option<bool>("--force") { Description = "Replace a finished or unfinished run in --out" };
        var reuse = new Option<bool>("--reuse") { Description = "A finished run in --out with the same settings is kept and its weights reported, not refused (a cache)" };
        var objective = new Option<string>("--objective") { Description = "Image backbones: supervised (default), or simclr / vicreg (two views of each image through backbone + projector; no classification test: probe the weights)", DefaultValueFactory = _ => ImagePretrainSpec.Supervised };
        var projector = new Option<string?>("--projector") { Description = "simclr/vicreg: the projector's widths after the backbone's features, joined by '-' (default: scaled to the backbone's feature width w, simclr w-min(256,w), vicreg 4w-4w; ResNet-50: 2048-256, 8192-8192)" };
        var temperature = new Option<double>("--temperature") { Description = "simclr: NT-Xent's temperature τ (default 0.1)", DefaultValueFactory = _ => 0.1 };
        var valShare = new Option<double?>("--val-share") { Description = "Images: a stratified share of the training set held out and scored after each epoch (default none; a sweep's trials are scored on it). Video: 0 only (--val-clips validates)" };
        var noTest = new Option<bool>("--no-test") { Description = "Train and validate only, no test (a sweep's trials)" };
        var cmd = new Command("pretrain", "Supervised or self-supervised pretraining on a source dataset; the weights are a starting point for finetune --weights or probe --weights")
        {
            model, weights, presets, frames, size, arch, imagePresets, data, labels, imbalance, classes, steps, valClips, outDir, force, reuse, objective, projector, temperature,
            valShare, noTest,
        };
        TrainCliOptions.AddTo(cmd);
        DataCliOptions.AddAugmentation(cmd);
        DataCliOptions.AddWorkers(cmd);
        DataCliOptions.AddDatasetChecks(cmd);
        DataCliOptions.AddImageAugmentation(cmd);
        RegularizerCliOptions.AddTo(cmd);
        Verb.SetAction(cmd, ctx =>
        {
            var p = ctx.Parse;
            var loggers = ctx.Services.GetRequiredService<ILoggerFactory>();
            var log = loggers.CreateLogger("pretrain");
            var train = ctx.Options<TrainOptions>();
            var dataOptions = ctx.Options<DataOptions>();
            var reg = ctx.Options<RegularizerOptions>();
            var problems = train.Problems().Concat(dataOptions.Problems()).Concat(reg.Problems()).ToList();
            var ssl = (Objective: p.GetValue(objective)!, Projector: p.GetValue(projector), Temperature: p.GetValue(temperature));
            if (p.GetValue(arch) is string archName)
                return Task.FromResult(PretrainImages(ctx, archName, p.GetValue(imagePresets), p.GetValue(data) ?? CifarSource.Synthetic, p.GetValue(labels)!,
                    p.GetValue(imbalance), p.GetValue(weights), p.GetValue(outDir)!, p.GetValue(force), p.GetValue(reuse), problems, ssl, p.GetValue(valShare) ?? 0, p.GetValue(noTest)));
            var videoData = p.GetValue(data) ?? SyntheticMotion.Name;
            bool rendered = videoData == SyntheticMotion.Name;
            if (rendered && p.GetValue(valShare) is double vs && vs != 0) problems.Add($"--val-share is for image data (--arch) and video datasets; pretraining on {SyntheticMotion.Name} validates on --val-clips rendered videos (got {vs})");
            if (!rendered)
                foreach (var o in new Option[] { classes, steps, valClips }.Where(o => p.GetResult(o) is { Implicit: false }))
                    problems.Add($"{o.Name} is for {SyntheticMotion.Name}; --data {videoData} has its own classes and videos");
            if (ssl.Objective != ImagePretrainSpec.Supervised || ssl.Projector is not null)
                problems.Add($"--objective {ssl.Objective} and --projector are for image backbones (--arch); video pretraining is supervised");
            if (!rendered)
            {
                dataOptions = dataOptions with { Path = videoData, ValidationShare = p.GetValue(valShare) ?? dataOptions.ValidationShare };
                try { dataOptions.Folds(); } catch (FormatException e) { problems.Add(e.Message); }
            }
            if (p.GetResult(labels) is { Implicit: false }) problems.Add("--labels is for CIFAR-100 image data (--arch); the synthetic motion classes have one label set");
            if (p.GetResult(imbalance) is { Implicit: false }) problems.Add("--imbalance is for image data (--arch); video pretraining renders every class alike");
            if (p.GetValue(classes) is < 2 or > 64) problems.Add($"--classes must be in [2, 64] (got {p.GetValue(classes)})");
            if (p.GetValue(steps) < 1) problems.Add($"--steps-per-epoch must be ≥ 1 (got {p.GetValue(steps)})");
            if (p.GetValue(valClips) < 0) problems.Add($"--val-clips must be ≥ 0 (got {p.GetValue(valClips)})");
            if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems));
            var preset = ModelPresets.Get(p.GetValue(model)!, p.GetValue(presets));
            string? start = p.GetValue(weights);
            int? f = p.GetValue(frames), s = p.GetValue(size);
            string dir = p.GetValue(outDir)!;
            IDataSource source = rendered ? new SyntheticMotion(p.GetValue(classes), p.GetValue(steps), p.GetValue(valClips), dataOptions)
                : new VideoSplits(dataOptions, dir, (int)ctx.Runtime.Seed, loggers.CreateLogger("loader"));
            var runner = new ExperimentRunner(new ExperimentOptions
            {
                OutDir = dir, Force = p.GetValue(force), ReuseFinished = p.GetValue(reuse), Train = train, Regularizer = reg,
                Seed = (int)ctx.Runtime.Seed, Device = ctx.Device, SkipTest = p.GetValue(noTest),
                Title = $"{preset.Name} pretrained on {source.Description}",
                Settings = new Dictionary<string, object?>
                {
                    ["model"] = preset.Name, ["weights"] = start, ["frames"] = f, ["size"] = s,
                    ["views"] = new { dataOptions.SamplingRate, dataOptions.Noise, dataOptions.Flip, dataOptions.RandAugment, dataOptions.CropMinArea, dataOptions.SceneColourJitter },
                },
                ResultFields = new Dictionary<string, object?> { ["weights"] = start, ["data"] = source.Description },
            }, loggers, ctx.Cancel);
            var outcome = runner.Run(source, (n, from) => PresetModels.Build(preset, from ?? start, new LoadOptions(n, f, s, train.DropPath, KeepFloat64: train.Precision == "float64"), log));
            if (VideoVCReg.Runtime.Distributed.ProcessGroup.World.IsWriter) Console.WriteLine($"pretrained weights: {Path.Combine(outcome[0].Dir, "checkpoint-last.pth")}");
            return Task.FromResult(0);
        });
        return cmd;
    }

    /// <summary>An image backbone on CIFAR-format data; the checkpoints are torchvision state_dicts.</summary>
    static int PretrainImages(VerbContext ctx, string archName, string? presetsPath, string data, string labels, double? imbalance,
        string? start, string dir, bool force, bool reuse, List<string> problems, (string Objective, string? Projector, double Temperature) ssl, double share, bool skipTest)
    {
        var loggers = ctx.Services.GetRequiredService<ILoggerFactory>();
        var train = ctx.Options<TrainOptions>();
        var reg = ctx.Options<RegularizerOptions>();
        if (ImageSources.Problem(data, labels == "coarse") is string bad) problems.Add(bad);
        if (labels is not ("fine" or "coarse")) problems.Add($"--labels must be fine or coarse (got '{labels}')");
        if (imbalance is double r && !(r >= 1 && double.IsFinite(r))) problems.Add($"--imbalance must be a finite ratio ≥ 1 (got {r})");
        var spec = new ImagePretrainSpec(null!, data, labels == "coarse", imbalance, start, ctx.Options<DataOptions>().Workers,
            ctx.Options<DataOptions>().Images(), ssl.Objective, ssl.Projector, ssl.Temperature, share);
        if (spec.Problem() is string sslBad) problems.Add(sslBad);
        if (spec.SelfSupervised && imbalance is not null) problems.Add("--imbalance is for supervised pretraining (a self-supervised run does not use the labels)");
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems));
        // The preset's α, β and placement, and its or the objective's recipe, are configuration layers (AppHost).
        var recipe = ctx.Get<RecipeChoice>();
        var preset = recipe.Image ?? VideoVCReg.Models.Image.ImagePresets.Get(archName, presetsPath);
        loggers.CreateLogger("pretrain").LogInformation("{Recipe}", recipe.Describe());
        var outcome = ImagePretraining.Run(spec with { Preset = preset }, new ExperimentOptions
        {
            OutDir = dir, Force = force, ReuseFinished = reuse, Train = train, Regularizer = reg, Seed = (int)ctx.Runtime.Seed, Device = ctx.Device, SkipTest = skipTest,
        }, loggers, ctx.Cancel);
        if (VideoVCReg.Runtime.Distributed.ProcessGroup.World.IsWriter) Console.WriteLine($"pretrained weights: {Path.Combine(outcome[0].Dir, "checkpoint-last.pth")}");
        return 0;
    }
}
