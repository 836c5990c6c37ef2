using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Experiment;
using VideoVCReg.Experiment.Images;
using VideoVCReg.Experiment.Probe;
using VideoVCReg.Experiment.Specs;
using VideoVCReg.Experiment.Video;
using VideoVCReg.Models.Image;

namespace VideoVCReg.Cli.Commands;

/// <summary>
/// `videovcreg analyze`: its options mapped to an <see cref="AnalyzeSpec"/>, run by <see cref="Experiments"/>: what a frozen image backbone's features look like (the paper's Table 6): CDNV, nearest
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
            var spec = SpecOf(ctx.Parse, ctx.Services, ctx.Runtime);
            var analysis = Experiments.Run(spec, ctx.Get<ILoggerFactory>(), ctx.Cancel);
            Print(analysis.Runs, analysis.Data, ctx.Parse.GetValue(json), spec.OutDir);
            return Task.FromResult(0);
        });
        return cmd;
    }

    /// <summary>The analysis an `analyze` command line describes: its options, the Data section as bound, the runtime's seed and device; checked once.</summary>
    static AnalyzeSpec SpecOf(ParseResult p, IServiceProvider services, RuntimeOptions runtime) => new AnalyzeSpec
    {
        Arch = p.GetValue<string?>("--arch"), ArchPresets = p.GetValue<string?>("--image-presets"), Model = p.GetValue<string?>("--model"),
        Presets = p.GetValue<string?>("--presets"), Frames = p.GetValue<int?>("--frames"), Size = p.GetValue<int?>("--size"),
        Weights = p.GetValue<string[]>("--weights") ?? [], Source = p.GetValue<string?>("--data"), Labels = p.GetValue<string>("--labels")!,
        SaveFeatures = p.GetValue<string?>("--save-features"), OutDir = p.GetValue<string>("--out")!, Force = p.GetValue<bool>("--force"),
        Seed = runtime.Seed, Device = runtime.Device, Data = services.GetRequiredService<IOptions<DataOptions>>().Value,
    }.Checked();

    /// <summary>The spec of a `analyze` command line, bound as the verb binds it (<see cref="SpecBinding"/>).</summary>
    internal static AnalyzeSpec Bind(string[] args) => SpecBinding.Bind("analyze", args, SpecOf);

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
}
