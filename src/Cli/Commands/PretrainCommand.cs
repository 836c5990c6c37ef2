using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Experiment;
using VideoVCReg.Experiment.Images;
using VideoVCReg.Experiment.Specs;
using VideoVCReg.Experiment.Video;
using VideoVCReg.FineTune;
using VideoVCReg.Models.Regularization;

namespace VideoVCReg.Cli.Commands;

/// <summary>
/// `videovcreg pretrain`: its options mapped to a <see cref="PretrainSpec"/>, run by <see cref="Experiments.Run(PretrainSpec, ILoggerFactory, CancellationToken)"/>. Supervised or self-supervised pretraining of a network on a source dataset, through the same experiment
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
        var specFile = SpecFile.Option();
        var cmd = new Command("pretrain", "Supervised or self-supervised pretraining on a source dataset; the weights are a starting point for finetune --weights or probe --weights")
        {
            model, weights, presets, frames, size, arch, imagePresets, data, labels, imbalance, classes, steps, valClips, outDir, force, reuse, objective, projector, temperature,
            valShare, noTest, specFile,
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
            var file = p.GetValue(specFile);
            var spec = (file is null ? SpecOf(p, ctx.Services, ctx.Runtime) : FromFile(ctx, file) with { Force = p.GetValue(force), Reuse = p.GetValue(reuse) }).Checked();
            var loggers = ctx.Get<ILoggerFactory>();
            // The preset's α, β and placement, and its or the objective's recipe, are configuration layers (AppHost); a spec file holds them already.
            if (spec.Arch is not null && file is null) loggers.CreateLogger("pretrain").LogInformation("{Recipe}", ctx.Get<RecipeChoice>().Describe());
            var outcome = Experiments.Run(spec, loggers, ctx.Cancel);
            if (VideoVCReg.Runtime.Distributed.ProcessGroup.World.IsWriter) Console.WriteLine($"pretrained weights: {Path.Combine(outcome[0].Dir, "checkpoint-last.pth")}");
            return Task.FromResult(0);
        });
        return cmd;
    }

    /// <summary>
    /// The run a `pretrain` command line describes: its own options (the rendered source's and the labels only when typed, so
    /// a run that cannot use them refuses them), the Train, Data and Regularizer sections as the host bound them from every
    /// configuration layer, the runtime's seed and device. Checked once by the caller (as a spec file is), every problem in one line.
    /// </summary>
    static PretrainSpec SpecOf(ParseResult p, IServiceProvider services, RuntimeOptions runtime) => new PretrainSpec
    {
        Model = p.GetValue<string>("--model")!, Weights = p.GetValue<string?>("--weights"), Presets = p.GetValue<string?>("--presets"),
        Frames = p.GetValue<int?>("--frames"), Size = p.GetValue<int?>("--size"),
        Arch = p.GetValue<string?>("--arch"), ArchPresets = p.GetValue<string?>("--image-presets"), Source = p.GetValue<string?>("--data"),
        Labels = SpecBinding.GivenText(p, "--labels"), Imbalance = p.GetValue<double?>("--imbalance"),
        Classes = SpecBinding.Given<int>(p, "--classes"), StepsPerEpoch = SpecBinding.Given<int>(p, "--steps-per-epoch"), ValClips = SpecBinding.Given<int>(p, "--val-clips"),
        OutDir = p.GetValue<string>("--out")!, Force = p.GetValue<bool>("--force"), Reuse = p.GetValue<bool>("--reuse"), SkipTest = p.GetValue<bool>("--no-test"),
        Objective = p.GetValue<string>("--objective")!, Projector = p.GetValue<string?>("--projector"), Temperature = p.GetValue<double>("--temperature"),
        ValidationShare = p.GetValue<double?>("--val-share"),
        Seed = runtime.Seed, Device = runtime.Device,
        Train = services.GetRequiredService<IOptions<TrainOptions>>().Value,
        Data = services.GetRequiredService<IOptions<DataOptions>>().Value,
        Regularizer = services.GetRequiredService<IOptions<RegularizerOptions>>().Value,
    };

    /// <summary>A spec file's run, with the device and workers typed beside it.</summary>
    static PretrainSpec FromFile(VerbContext ctx, string file)
    {
        var spec = SpecFile.Read(ctx.Parse, file, SpecJson.ReadPretrain);
        var (device, workers) = SpecFile.Typed(ctx);
        return spec with { Device = device ?? spec.Device, Data = spec.Data with { Workers = workers ?? spec.Data.Workers } };
    }

    /// <summary>The spec of a `pretrain` command line, bound as the verb binds it (<see cref="SpecBinding"/>): a sweep's base spec.</summary>
    internal static PretrainSpec Bind(string[] args) => SpecBinding.Bind("pretrain", args, (p, s, r) => SpecOf(p, s, r).Checked());
}
