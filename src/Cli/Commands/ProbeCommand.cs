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
using VideoVCReg.Models.Image;

namespace VideoVCReg.Cli.Commands;

/// <summary>
/// `videovcreg probe`: its options mapped to a <see cref="ProbeSpec"/>, run by <see cref="Experiments"/>. Linear-probe transfer of a frozen image backbone (appendix C.1 with lbfgs, C.3 with adamw):
/// features of the downstream training and test sets, then the probe; report.json in --out, or one JSON object with --json.
/// </summary>
public static class ProbeCommand
{
    public static Command Build()
    {
        var arch = new Option<string>("--arch") { Description = $"Image backbone preset: {string.Join(", ", ImagePresets.Architectures)} (configs/images.json)", Required = true };
        var weights = new Option<string?>("--weights") { Description = "Backbone checkpoint (torchvision layout, e.g. pretrain's checkpoint-last.pth); its head is not used. Random weights when absent" };
        var imagePresets = new Option<string?>("--image-presets") { Description = "Image presets JSON instead of configs/images.json" };
        var data = new Option<string>("--data") { Description = $"Downstream data: {ImageSources.Accepted} (default {CifarSource.SyntheticDownstream})", DefaultValueFactory = _ => CifarSource.SyntheticDownstream };
        var labels = new Option<string>("--labels") { Description = "Image labels: fine, or coarse (CIFAR-100's, or a coarse mapping: configs/labels/NAME-coarse.json, DIR/coarse_labels.json)", DefaultValueFactory = _ => "fine" };
        var solver = new Option<string>("--solver") { Description = "lbfgs (default: L2 logistic regression, λ from 45 values in [1e-5, 1e5] on a validation share) or adamw (a linear layer, 100 epochs)", DefaultValueFactory = _ => "lbfgs" };
        var saveFeatures = new Option<string?>("--save-features") { Description = "Write {train,val,test}_{features,labels}.npy to this folder" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (chosen λ, validation and test top-1, the sweep) instead of a summary line" };
        var outDir = new Option<string>("--out") { Description = "Run folder: settings.json, report.json", DefaultValueFactory = _ => "runs/probe" };
        var force = new Option<bool>("--force") { Description = "Replace a finished probe in --out" };
        var valShare = new Option<double>("--val-share") { Description = "lbfgs: share of each class's training features held out to choose λ", DefaultValueFactory = _ => 0.2 };
        var lambdas = new Option<int>("--lambdas") { Description = "lbfgs: number of log-spaced λ in [1e-5, 1e5], 1 to 1000 (1: λ = 1 alone)", DefaultValueFactory = _ => 45 };
        var maxIter = new Option<int>("--max-iter") { Description = "lbfgs: iterations per fit at most (default 1000)", DefaultValueFactory = _ => 1000 };
        var epochs = new Option<int>("--epochs") { Description = "adamw: epochs", DefaultValueFactory = _ => 100 };
        var lr = new Option<double>("--lr") { Description = "adamw: peak learning rate (cosine to 0)", DefaultValueFactory = _ => 0.016 };
        var wd = new Option<double>("--weight-decay") { Description = "adamw: weight decay", DefaultValueFactory = _ => 0.05 };
        var batch = new Option<int>("--batch-size") { Description = "adamw: batch size", DefaultValueFactory = _ => 256 };
        var cmd = new Command("probe", "Linear probe of a frozen image backbone on a downstream dataset (L-BFGS with a λ sweep, or AdamW)");
        foreach (var o in new Option[] { arch, weights, imagePresets, data, labels, solver, saveFeatures, json, outDir, force, valShare, lambdas, maxIter, epochs, lr, wd, batch })
            cmd.Options.Add(o);
        DataCliOptions.AddWorkers(cmd);
        Verb.SetAction(cmd, ctx =>
        {
            var spec = SpecOf(ctx.Parse, ctx.Services, ctx.Runtime);
            var report = Experiments.Run(spec, ctx.Get<ILoggerFactory>(), ctx.Cancel);
            var options = spec.Probe;
            if (ctx.Parse.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(report, new JsonSerializerOptions(ProbeReport.Json) { WriteIndented = false }));
            else
                Console.WriteLine(options.Solver == "lbfgs"
                    ? FormattableString.Invariant($"probe test top-1 {report.TestTop1:P1} (λ {report.Lambda:G3}, sklearn C {report.SklearnC:G3}, validation top-1 {report.ValidationTop1:P1}) on {report.TestSamples} test images, {report.FeatureDim}-d features; {Path.Combine(options.OutDir, "report.json")}")
                    : FormattableString.Invariant($"probe test top-1 {report.TestTop1:P1} (adamw, {options.Epochs} epochs, final loss {report.FinalTrainLoss:F4}) on {report.TestSamples} test images, {report.FeatureDim}-d features; {Path.Combine(options.OutDir, "report.json")}"));
            return Task.FromResult(0);
        });
        return cmd;
    }

    /// <summary>The probe a `probe` command line describes: its options, the loader's workers as bound, the runtime's seed and device; checked once.</summary>
    static ProbeSpec SpecOf(ParseResult p, IServiceProvider services, RuntimeOptions runtime) => new ProbeSpec
    {
        Arch = p.GetValue<string>("--arch")!, Weights = p.GetValue<string?>("--weights"), ArchPresets = p.GetValue<string?>("--image-presets"),
        Source = p.GetValue<string>("--data")!, Labels = p.GetValue<string>("--labels")!, Workers = services.GetRequiredService<IOptions<VideoVCReg.Experiment.Video.DataOptions>>().Value.Workers, Device = runtime.Device,
        Probe = new ProbeOptions
        {
            OutDir = p.GetValue<string>("--out")!, Force = p.GetValue<bool>("--force"), Solver = p.GetValue<string>("--solver")!, SaveFeatures = p.GetValue<string?>("--save-features"),
            Seed = (int)runtime.Seed, ValidationShare = p.GetValue<double>("--val-share"), LambdaCount = p.GetValue<int>("--lambdas"), MaxIterations = p.GetValue<int>("--max-iter"),
            Epochs = p.GetValue<int>("--epochs"), Lr = p.GetValue<double>("--lr"), WeightDecay = p.GetValue<double>("--weight-decay"), BatchSize = p.GetValue<int>("--batch-size"),
        },
    }.Checked();

    /// <summary>The spec of a `probe` command line, bound as the verb binds it (<see cref="SpecBinding"/>).</summary>
    internal static ProbeSpec Bind(string[] args) => SpecBinding.Bind("probe", args, SpecOf);
}
