using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Experiment;
using VideoVCReg.Experiment.Images;
using VideoVCReg.Experiment.Probe;
using VideoVCReg.Experiment.Protocols;
using VideoVCReg.FineTune;
using VideoVCReg.Models.Image;
using VideoVCReg.Models.Regularization;

namespace VideoVCReg.Cli.Commands;

/// <summary>
/// `videovcreg protocol transfer|long-tail|hierarchical`: the paper's image protocols (Tables 1, 3 and 5), each one
/// command: pretrain once per regularizer compared, then probe or test, then the table (<see cref="ImageProtocols"/>).
/// </summary>
public static class ProtocolCommand
{
    public static Command Build()
    {
        var cmd = new Command("protocol", "The paper's image protocols as one command each: transfer (Table 1), long-tail (Table 3), hierarchical (Table 5)");
        cmd.Subcommands.Add(Make("transfer", "Pretrain on a source set without and with VCReg, then linear-probe each on downstream sets (Table 1)", "lbfgs",
            (c, data) =>
            {
                var downstream = new Option<string>("--downstream") { Description = $"Downstream sets, comma-separated (default {CifarSource.SyntheticDownstream})", DefaultValueFactory = _ => CifarSource.SyntheticDownstream };
                var objective = new Option<string>("--objective") { Description = "Pretraining objective: supervised (default), simclr or vicreg (then the source column is a linear probe on the source)", DefaultValueFactory = _ => ImagePretrainSpec.Supervised };
                var projector = new Option<string?>("--projector") { Description = "simclr/vicreg: the projector's widths, joined by '-' (default: scaled to the backbone's feature width w, simclr w-min(256,w), vicreg 4w-4w; ResNet-50: 2048-256, 8192-8192)" };
                var temperature = new Option<double>("--temperature") { Description = "simclr: NT-Xent's temperature (default 0.1)", DefaultValueFactory = _ => 0.1 };
                c.Options.Add(downstream);
                c.Options.Add(objective);
                c.Options.Add(projector);
                c.Options.Add(temperature);
                return (protocols, parse) =>
                {
                    var spec = new ImagePretrainSpec(protocols.Preset, parse.GetValue(data)!, Objective: parse.GetValue(objective)!, Projector: parse.GetValue(projector), Temperature: parse.GetValue(temperature));
                    if (spec.Problem() is string sslBad) throw new ArgumentException(sslBad);
                    protocols = protocols.With(spec.Objective, spec.Projector, spec.Temperature);
                    var sets = parse.GetValue(downstream)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    if (sets.Length == 0) throw new ArgumentException("--downstream names no set");
                    foreach (var s in sets) if (ImageSources.Problem(s) is string bad) throw new ArgumentException(bad.Replace("--data", "--downstream"));
                    foreach (var s in sets) if (ImageSources.MissingFolder(s) is string missing) throw new DirectoryNotFoundException($"{missing} (--downstream)");
                    return protocols.Transfer(parse.GetValue(data)!, sets);
                };
            }));
        cmd.Subcommands.Add(Make("long-tail", "Pretrain on a long-tailed training set without and with VCReg, test on the balanced test set (Table 3)", "lbfgs",
            (c, data) =>
            {
                var imbalance = new Option<double>("--imbalance") { Description = "Imbalance ratio R: class c keeps n_max·R^(−c/(C−1)) images (default 100, the paper's)", DefaultValueFactory = _ => 100 };
                c.Options.Add(imbalance);
                return (protocols, parse) =>
                {
                    double r = parse.GetValue(imbalance);
                    if (!(r >= 1 && double.IsFinite(r))) throw new ArgumentException($"--imbalance must be a finite ratio ≥ 1 (got {r})");
                    return protocols.LongTail(parse.GetValue(data)!, r);
                };
            }));
        cmd.Subcommands.Add(Make("hierarchical", "Pretrain on coarse labels without and with VCReg, then probe the features on fine labels (Table 5)", "adamw",
            (c, data) => (protocols, parse) => protocols.Hierarchical(parse.GetValue(data)!)));
        return cmd;
    }

    static Command Make(string name, string description, string defaultSolver,
        Func<Command, Option<string>, Func<ImageProtocols, ParseResult, SeededTable>> specific)
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
        var run = specific(cmd, data);
        TrainCliOptions.AddTo(cmd);
        RegularizerCliOptions.AddTo(cmd, all: true);
        DataCliOptions.AddWorkers(cmd);
        DataCliOptions.AddImageAugmentation(cmd);
        Verb.SetAction(cmd, ctx =>
        {
            var p = ctx.Parse;
            var train = ctx.Options<TrainOptions>();
            var reg = ctx.Options<RegularizerOptions>();
            var probe = new ProbeOptions { OutDir = "", Solver = p.GetValue(solver)!, LambdaCount = p.GetValue(lambdas), Epochs = p.GetValue(probeEpochs), EpochsOption = "--probe-epochs" };
            // Checked before the pretraining: a bad probe option must not cost the minutes before it.
            var dataOptions = ctx.Options<VideoVCReg.Experiment.Video.DataOptions>();
            var problems = train.Problems().Concat(reg.Problems()).Concat(probe.Problems()).Concat(dataOptions.Problems()).ToList();
            if (ImageSources.Problem(p.GetValue(data)!) is string bad) problems.Add(bad);
            var kinds = p.GetValue(regs)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (kinds.Length == 0) problems.Add("--regs names no regularizer");
            foreach (var k in kinds) if (ProtocolRows.Problem(k) is string rowBad) problems.Add(rowBad);
            int seedCount = p.GetValue(seeds);
            if (seedCount < 1 || seedCount > 100) problems.Add($"--seeds must be in 1..100 (got {seedCount})");
            if (kinds.Distinct().Count() != kinds.Length) problems.Add("--regs names a regularizer twice");
            var selection = new GridSelection(Values(p.GetValue(selectAlpha), "--select-alpha", problems), Values(p.GetValue(selectBeta), "--select-beta", problems), p.GetValue(selectShare),
                p.GetValue(selectOn)!);
            problems.AddRange(selection.Problems());
            if (selection.Any && !kinds.Any(k => k.StartsWith("vcreg"))) problems.Add("--select-alpha/--select-beta choose a vcreg row's weights, and --regs names none");
            if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems));
            // The preset's α, β and placement, and its or the objective's recipe, are configuration layers (AppHost).
            var recipe = ctx.Get<RecipeChoice>();
            var preset = recipe.Image ?? ImagePresets.Get(p.GetValue(arch)!, p.GetValue(imagePresets));
            ctx.Services.GetRequiredService<ILoggerFactory>().CreateLogger("protocol").LogInformation("{Recipe}", recipe.Describe());
            var protocols = new ImageProtocols(new ProtocolOptions
            {
                Preset = preset, Regularizers = kinds, Seeds = seedCount, Selection = selection.Any ? selection : null, ProbeSolver = p.GetValue(solver)!, Workers = dataOptions.Workers,
                Recipe = dataOptions.Images(),
                Probe = probe,
                Pretrain = new ExperimentOptions
                {
                    OutDir = p.GetValue(outDir)!, Force = p.GetValue(force), Train = train, Regularizer = reg, Seed = (int)ctx.Runtime.Seed, Device = ctx.Device,
                },
            }, ctx.Services.GetRequiredService<ILoggerFactory>(), ctx.Cancel);
            var table = run(protocols, p);
            Console.WriteLine(table.Markdown());
            Console.WriteLine($"written: {Path.Combine(p.GetValue(outDir)!, name.Replace('-', '_'))}.md, .csv and _summary.csv");
            return Task.FromResult(0);
        });
        return cmd;
    }

    /// <summary>A comma-separated list of numbers; each one that is not a number is a problem naming <paramref name="option"/>.</summary>
    static IReadOnlyList<double> Values(string? list, string option, List<string> problems)
    {
        var values = new List<double>();
        if (list is null) return values;
        var parts = list.Split(',', StringSplitOptions.TrimEntries);
        foreach (var part in parts)
            if (double.TryParse(part, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v)) values.Add(v);
            else problems.Add($"{option}: '{part}' is not a number");
        return values;
    }
}
