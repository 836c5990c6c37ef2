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
        var arch = new Option<string>("--arch") { Description = $"Image backbone preset: {string.Join(", ", ImagePresets.Architectures)} (configs/images.json)", Required = true };
        var weights = new Option<string[]>("--weights") { Description = "Backbone checkpoint(s), torchvision layout; repeat for a side-by-side table. Random weights when absent", AllowMultipleArgumentsPerToken = true };
        var imagePresets = new Option<string?>("--image-presets") { Description = "Image presets JSON instead of configs/images.json" };
        var data = new Option<string>("--data") { Description = $"Data: {ImageSources.Accepted} (default {CifarSource.Synthetic})", DefaultValueFactory = _ => CifarSource.Synthetic };
        var labels = new Option<string>("--labels") { Description = "CIFAR-100 labels: fine or coarse", DefaultValueFactory = _ => "fine" };
        var saveFeatures = new Option<string?>("--save-features") { Description = "Write {train,test}_{features,labels}.npy here (weights<k>/ per backbone when several)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of the table" };
        var outDir = new Option<string>("--out") { Description = "Folder: report.json, analysis.md/.csv, spectrum.png", DefaultValueFactory = _ => "runs/analyze" };
        var force = new Option<bool>("--force") { Description = "Replace a finished analysis in --out" };
        var cmd = new Command("analyze", "CDNV, nearest class-centre accuracy and the feature spectrum of frozen image backbones (Table 6)")
        {
            arch, weights, imagePresets, data, labels, saveFeatures, json, outDir, force,
        };
        DataCliOptions.AddWorkers(cmd);
        Verb.SetAction(cmd, ctx =>
        {
            var p = ctx.Parse;
            string spec = p.GetValue(data)!, labelKind = p.GetValue(labels)!;
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
                ? [(null, (classes, _) => new BuiltModel(ImagePresets.Build(preset, classes), preset.Name, "random weights"))]
                : [.. files.Select(f => ((string?)f, (ModelFactory)((classes, _) =>
                {
                    var net = ImagePresets.Build(preset, classes);
                    TorchvisionCheckpoint.LoadBackbone(net, f);
                    return new BuiltModel(net, preset.Name, f);
                })))];
            var results = new AnalyzeRunner(p.GetValue(outDir)!, p.GetValue(force), ctx.Device, (int)ctx.Runtime.Seed, loggers, ctx.Cancel)
                .Run(source, backbones, p.GetValue(saveFeatures));
            if (p.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(new { kind = AnalyzeRunner.Kind, data = source.Description, runs = results }, new JsonSerializerOptions(AnalyzeRunner.Json) { WriteIndented = false }));
            else
            {
                Console.Write(File.ReadAllText(Path.Combine(p.GetValue(outDir)!, "analysis.md")));
                Console.WriteLine($"written: {Path.Combine(p.GetValue(outDir)!, "report.json")}, analysis.md/.csv, spectrum.png");
            }
            return Task.FromResult(0);
        });
        return cmd;
    }
}
