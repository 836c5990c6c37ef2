using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Experiment;
using VideoVCReg.Experiment.Images;
using VideoVCReg.Experiment.Probe;
using VideoVCReg.Models.Checkpoints;
using VideoVCReg.Models.Image;

namespace VideoVCReg.Cli.Commands;

/// <summary>
/// `videovcreg analyze`: what a frozen image backbone's features look like (the paper's Table 6): CDNV, nearest
/// class-centre accuracy, the covariance spectrum and its effective rank; several --weights side by side.
/// </summary>
public static class AnalyzeCommand
{
    public static Command Build()
    {
        var arch = new Option<string?>("--arch") { Description = $"Image backbone preset: {string.Join(", ", ImagePresets.Architectures)} (configs/images.json)" };
        var model = new Option<string?>("--model") { Description = "Video preset instead of --arch (see 'videovcreg models'): features of one centred view per video of --data's split" };
        var presets = new Option<string?>("--presets") { Description = "Extra video presets JSON layered over configs/models.json" };
        var frames = new Option<int?>("--frames") { Description = "Video: frames per clip, if not the preset's" };
        var size = new Option<int?>("--size") { Description = "Video: square input size, if not the preset's" };
        var weights = new Option<string[]>("--weights") { Description = "Backbone checkpoint(s), torchvision layout; repeat for a side-by-side table. Random weights when absent", AllowMultipleArgumentsPerToken = true };
        var imagePresets = new Option<string?>("--image-presets") { Description = "Image presets JSON instead of configs/images.json" };
        var data = new Option<string?>("--data") { Description = $"Images: {ImageSources.Accepted} (default {CifarSource.Synthetic}). Video: {VideoVCReg.Decoding.Datasets.DatasetSpec.Accepted} (default: the synthetic dataset, written under --out)" };
        var labels = new Option<string>("--labels") { Description = "Image labels: fine, or coarse (CIFAR-100's, or a coarse mapping: configs/labels/NAME-coarse.json, DIR/coarse_labels.json)", DefaultValueFactory = _ => "fine" };
        var saveFeatures = new Option<string?>("--save-features") { Description = "Write {train,test}_{features,labels}.npy here (weights<k>/ per backbone when several)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of the table" };
        var outDir = new Option<string>("--out") { Description = "Folder: report.json, analysis.md/.csv, spectrum.png", DefaultValueFactory = _ => "runs/analyze" };
        var force = new Option<bool>("--force") { Description = "Replace a finished analysis in --out" };
        var cmd = new Command("analyze", "CDNV, nearest class-centre accuracy and the feature spectrum of frozen image backbones (Table 6)")
        {
            arch, model, presets, frames, size, weights, imagePresets, data, labels, saveFeatures, json, outDir, force,
        };
        DataCliOptions.AddWorkers(cmd);
        DataCliOptions.AddDatasetChecks(cmd);
        cmd.Options.Add(new ConfigOption<string>("--split", "Data:Split", "Video: the official split whose train and test lists are analysed (default 1)").Init());
        cmd.Options.Add(new ConfigOption<int>("--sampling-rate", "Data:SamplingRate", "Video: take every N-th frame (default 2)").Init());
        Verb.SetAction(cmd, ctx =>
        {
            var p = ctx.Parse;
            if ((p.GetValue(arch) is null) == (p.GetValue(model) is null)) throw new ArgumentException("give one of --arch (an image backbone) or --model (a video preset)");
            if (p.GetValue(model) is string videoPreset) return Task.FromResult(AnalyzeVideo(ctx, videoPreset, p.GetValue(presets), p.GetValue(frames), p.GetValue(size),
                p.GetValue(weights) ?? [], p.GetValue(data), p.GetValue(saveFeatures), p.GetValue(json), p.GetValue(outDir)!, p.GetValue(force)));
            string spec = p.GetValue(data) ?? CifarSource.Synthetic, labelKind = p.GetValue(labels)!;
            var problems = new List<string>();
            if (labelKind is not ("fine" or "coarse")) problems.Add($"--labels must be fine or coarse (got '{labelKind}')");
            else if (ImageSources.Problem(spec, labelKind == "coarse") is string bad) problems.Add(bad);
            var files = p.GetValue(weights) ?? [];
            foreach (var f in files.Where(f => !File.Exists(f))) problems.Add($"{f}: file not found");
            if (files.Distinct().Count() != files.Length) problems.Add("--weights names a file twice");
            if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems));
            var preset = ImagePresets.Get(p.GetValue(arch)!, p.GetValue(imagePresets));
            var loggers = ctx.Services.GetRequiredService<ILoggerFactory>();
            var source = ImageSources.Create(spec, preset, coarse: labelKind == "coarse", workers: ctx.Options<VideoVCReg.Experiment.Video.DataOptions>().Workers,
                log: loggers.CreateLogger("data"));
            IReadOnlyList<(string?, ModelFactory)> backbones = files.Length == 0
                ? [(null, ImageBackbone.Factory(preset, null))]
                : [.. files.Select(f => ((string?)f, ImageBackbone.Factory(preset, f)))];
            var results = new AnalyzeRunner(p.GetValue(outDir)!, p.GetValue(force), ctx.Device, (int)ctx.Runtime.Seed, loggers, ctx.Cancel)
                .Run(source, backbones, p.GetValue(saveFeatures));
            Print(results, source.Description, p.GetValue(json), p.GetValue(outDir)!);
            return Task.FromResult(0);
        });
        return cmd;
    }

    static void Print(IReadOnlyList<AnalyzedWeights> results, string data, bool json, string outDir)
    {
        if (json)
            Console.WriteLine(JsonSerializer.Serialize(new { kind = AnalyzeRunner.Kind, data, runs = results }, new JsonSerializerOptions(AnalyzeRunner.Json) { WriteIndented = false }));
        else
        {
            Console.Write(File.ReadAllText(Path.Combine(outDir, "analysis.md")));
            Console.WriteLine($"written: {Path.Combine(outDir, "report.json")}, analysis.md/.csv, spectrum.png");
        }
    }

    /// <summary>A video preset on an HMDB51-layout split: one centred view per training and test video.</summary>
    static int AnalyzeVideo(VerbContext ctx, string presetName, string? presetsPath, int? frames, int? size, string[] files, string? data, string? saveFeatures,
        bool json, string outDir, bool force)
    {
        foreach (var f in files.Where(f => !File.Exists(f))) throw new FileNotFoundException($"{f}: file not found", f);
        if (files.Distinct().Count() != files.Length) throw new ArgumentException("--weights names a file twice");
        var dataOptions = ctx.Options<VideoVCReg.Experiment.Video.DataOptions>() with { Path = data };
        if (dataOptions.Problems() is { Count: > 0 } problems) throw new ArgumentException(string.Join("; ", problems));
        if (dataOptions.Folds().Count != 1) throw new ArgumentException($"--split must name one split for an analysis (got '{dataOptions.Split}')");
        var loggers = ctx.Services.GetRequiredService<ILoggerFactory>();
        var log = loggers.CreateLogger("analyze");
        var preset = VideoVCReg.Models.ModelPresets.Get(presetName, presetsPath);
        var source = new VideoVCReg.Experiment.Video.VideoSplits(dataOptions with { Split = dataOptions.Folds()[0].ToString(System.Globalization.CultureInfo.InvariantCulture) },
            outDir, (int)ctx.Runtime.Seed, loggers.CreateLogger("data"));
        ModelFactory Factory(string? weights) => (classes, _) => PresetModels.Build(preset, weights, new VideoVCReg.Models.Checkpoints.LoadOptions(classes, frames, size), log);
        IReadOnlyList<(string?, ModelFactory)> backbones = files.Length == 0 ? [(null, Factory(null))] : [.. files.Select(f => ((string?)f, Factory(f)))];
        var results = new AnalyzeRunner(outDir, force, ctx.Device, (int)ctx.Runtime.Seed, loggers, ctx.Cancel).Run(source, backbones, saveFeatures);
        Print(results, source.Description, json, outDir);
        return 0;
    }
}
