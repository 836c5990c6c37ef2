using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Experiment;
using VideoVCReg.Experiment.Images;
using VideoVCReg.Experiment.Probe;
using VideoVCReg.Experiment.Protocols;
using VideoVCReg.Experiment.Specs;
using VideoVCReg.FineTune;
using VideoVCReg.Models.Image;
using VideoVCReg.Models.Regularization;

namespace VideoVCReg.Cli.Commands;

/// <summary>
/// `videovcreg protocol transfer|long-tail|hierarchical`: its options mapped to a <see cref="ProtocolSpec"/>, run by
/// <see cref="Experiments.Run(ProtocolSpec, ILoggerFactory, CancellationToken)"/>. The paper's image protocols (Tables 1, 3 and 5), each one
/// command: pretrain once per regularizer compared, then probe or test, then the table (<see cref="ImageProtocols"/>).
/// </summary>
public static class ProtocolCommand
{
    public static Command Build()
    {
        var cmd = new Command("protocol", "The paper's image protocols as one command each: transfer (Table 1), long-tail (Table 3), hierarchical (Table 5)");
        cmd.Subcommands.Add(Make(ProtocolSpec.Transfer, "Pretrain on a source set without and with VCReg, then linear-probe each on downstream sets (Table 1)", "lbfgs", c =>
        {
            c.Options.Add(new Option<string>("--downstream") { Description = $"Downstream sets, comma-separated (default {CifarSource.SyntheticDownstream})", DefaultValueFactory = _ => CifarSource.SyntheticDownstream });
            c.Options.Add(new Option<string>("--objective") { Description = "Pretraining objective: supervised (default), simclr or vicreg (then the source column is a linear probe on the source)", DefaultValueFactory = _ => ImagePretrainSpec.Supervised });
            c.Options.Add(new Option<string?>("--projector") { Description = "simclr/vicreg: the projector's widths, joined by '-' (default: scaled to the backbone's feature width w, simclr w-min(256,w), vicreg 4w-4w; ResNet-50: 2048-256, 8192-8192)" });
            c.Options.Add(new Option<double>("--temperature") { Description = "simclr: NT-Xent's temperature (default 0.1)", DefaultValueFactory = _ => 0.1 });
        }));
        cmd.Subcommands.Add(Make(ProtocolSpec.LongTail, "Pretrain on a long-tailed training set without and with VCReg, test on the balanced test set (Table 3)", "lbfgs", c =>
            c.Options.Add(new Option<double>("--imbalance") { Description = "Imbalance ratio R: class c keeps n_max·R^(−c/(C−1)) images (default 100, the paper's)", DefaultValueFactory = _ => 100 })));
        cmd.Subcommands.Add(Make(ProtocolSpec.Hierarchical, "Pretrain on coarse labels without and with VCReg, then probe the features on fine labels (Table 5)", "adamw", _ => { }));
        return cmd;
    }

    static Command Make(string name, string description, string defaultSolver, Action<Command> specific)
    {
        var arch = new Option<string>("--arch") { Description = $"Image backbone preset: {string.Join(", ", ImagePresets.Architectures)} (default resnet32)", DefaultValueFactory = _ => "resnet32" };
        var imagePresets = new Option<string?>("--image-presets") { Description = "Image presets JSON instead of configs/images.json" };
        var data = new Option<string>("--data") { Description = $"The pretraining set: {ImageSources.Accepted} (default {CifarSource.Synthetic})", DefaultValueFactory = _ => CifarSource.Synthetic };
        var regs = new Option<string>("--regs") { Description = "Rows compared, one pretraining each: kinds, a vcreg row optionally with its scaling (vcreg:loss); the first is the baseline of the paired differences (default none,vcreg)", DefaultValueFactory = _ => "none,vcreg" };
        var seeds = new Option<int>("--seeds") { Description = "Repeat every pretraining and probe on K seeds (--seed, +1, …); tables give mean ± std and paired differences with 95 % t-intervals (default 3, appendix C.1's three runs)", DefaultValueFactory = _ => 3 };
        var solver = new Option<string>("--solver") { Description = $"Probe solver: lbfgs or adamw (default {defaultSolver})", DefaultValueFactory = _ => defaultSolver };
        var lambdas = new Option<int>("--lambdas") { Description = "lbfgs probe: number of log-spaced λ in [1e-5, 1e5], 1 to 1000 (default 45)", DefaultValueFactory = _ => 45 };
        var probeEpochs = new Option<int>("--probe-epochs") { Description = "adamw probe: epochs (default 100)", DefaultValueFactory = _ => 100 };
        var outDir = new Option<string>("--out") { Description = $"Protocol folder: pretrain-<row>-seed<s>/, probe-<row>-seed<s>-<data>/ (no -seed<s> with --seeds 1), {name.Replace('-', '_')}.md, .csv and _summary.csv", DefaultValueFactory = _ => $"runs/protocol-{name}" };
        var force = new Option<bool>("--force") { Description = "Redo every run; otherwise finished runs with the same settings are reused" };
        var selectAlpha = new Option<string?>("--select-alpha") { Description = "VCReg rows: α values, comma-separated, to choose from on a validation hold-out before the seeded runs (the paper's grid search; its grid is 1.28,0.64,0.32,0.16; default: the preset's α)" };
        var selectBeta = new Option<string?>("--select-beta") { Description = "VCReg rows: β values to choose from likewise (the paper's grid: 0.16,0.08,0.04,0.02,0.01; default: the preset's β)" };
        var selectShare = new Option<double>("--select-share") { Description = "The stratified share of the training set each grid point is scored on (default 0.1)", DefaultValueFactory = _ => 0.1 };
        var selectOn = new Option<string>("--select-on")
        {
            Description = "What a grid point is scored by on the hold-out: top1 (default: §4.3's \"validation set accuracy\") or mean-class (our option: the long tail's hold-out is imbalanced, its test set balanced)",
            DefaultValueFactory = _ => "top1",
        };
        var cmd = new Command(name, description) { arch, imagePresets, data, regs, seeds, solver, lambdas, probeEpochs, outDir, force, selectAlpha, selectBeta, selectShare, selectOn };
        specific(cmd);
        TrainCliOptions.AddTo(cmd);
        RegularizerCliOptions.AddTo(cmd, all: true);
        DataCliOptions.AddWorkers(cmd);
        DataCliOptions.AddImageAugmentation(cmd);
        Verb.SetAction(cmd, ctx =>
        {
            // Checked before the pretraining: a bad probe option must not cost the minutes before it.
            var spec = SpecOf(ctx.Parse, ctx.Services, ctx.Runtime);
            var loggers = ctx.Get<ILoggerFactory>();
            // The preset's α, β and placement, and its or the objective's recipe, are configuration layers (AppHost).
            loggers.CreateLogger("protocol").LogInformation("{Recipe}", ctx.Get<RecipeChoice>().Describe());
            var table = Experiments.Run(spec, loggers, ctx.Cancel);
            Console.WriteLine(table.Markdown());
            Console.WriteLine($"written: {Path.Combine(spec.OutDir, spec.TableName)}.md, .csv and _summary.csv");
            return Task.FromResult(0);
        });
        return cmd;
    }

    /// <summary>
    /// The protocol a `protocol transfer|long-tail|hierarchical` command line describes: its own options (the transfer's
    /// downstream sets and objective, the long tail's imbalance), the Train, Data and Regularizer sections as the host bound
    /// them from every configuration layer, the runtime's seed and device; checked once, every problem in one line.
    /// </summary>
    static ProtocolSpec SpecOf(ParseResult p, IServiceProvider services, RuntimeOptions runtime)
    {
        var name = p.CommandResult.Command.Name;
        var spec = new ProtocolSpec
        {
            Protocol = name, Arch = p.GetValue<string>("--arch")!, ArchPresets = p.GetValue<string?>("--image-presets"), Source = p.GetValue<string>("--data")!,
            Regularizers = List(p.GetValue<string>("--regs")!), Seeds = p.GetValue<int>("--seeds"),
            Solver = p.GetValue<string>("--solver")!, Lambdas = p.GetValue<int>("--lambdas"), ProbeEpochs = p.GetValue<int>("--probe-epochs"),
            OutDir = p.GetValue<string>("--out")!, Force = p.GetValue<bool>("--force"),
            SelectAlpha = p.GetValue<string?>("--select-alpha"), SelectBeta = p.GetValue<string?>("--select-beta"), SelectShare = p.GetValue<double>("--select-share"), SelectOn = p.GetValue<string>("--select-on")!,
            Seed = runtime.Seed, Device = runtime.Device,
            Train = services.GetRequiredService<IOptions<TrainOptions>>().Value,
            Data = services.GetRequiredService<IOptions<VideoVCReg.Experiment.Video.DataOptions>>().Value,
            Regularizer = services.GetRequiredService<IOptions<RegularizerOptions>>().Value,
        };
        if (name == ProtocolSpec.Transfer)
            spec = spec with
            {
                Downstream = List(p.GetValue<string>("--downstream")!), Objective = p.GetValue<string>("--objective")!, Projector = p.GetValue<string?>("--projector"),
                Temperature = p.GetValue<double>("--temperature"),
            };
        if (name == ProtocolSpec.LongTail) spec = spec with { Imbalance = p.GetValue<double>("--imbalance") };
        return spec.Checked();
    }

    static string[] List(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The spec of a `protocol transfer|long-tail|hierarchical` command line, bound as the verb binds it (<see cref="SpecBinding"/>).</summary>
    internal static ProtocolSpec Bind(string[] args) =>
        SpecBinding.Bind(args.Skip(Array.IndexOf(args, "protocol") + 1).FirstOrDefault() ?? "protocol", args, SpecOf);
}
