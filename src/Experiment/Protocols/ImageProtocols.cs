using System.Globalization;
using Microsoft.Extensions.Logging;
using VideoVCReg.Eval;
using VideoVCReg.Experiment.Images;
using VideoVCReg.Experiment.Probe;
using VideoVCReg.Models.Checkpoints;
using VideoVCReg.Models.Image;
using VideoVCReg.Runtime.IO;
using VideoVCReg.Models.Regularization;
using VideoVCReg.Runtime.Data;

namespace VideoVCReg.Experiment.Protocols;

/// <summary>What every image protocol shares: the backbone, the regularizers compared, and how each pretraining runs.</summary>
public sealed record ProtocolOptions
{
    public required ImagePreset Preset { get; init; }
    /// <summary>The rows compared, one pretraining each (the paper: without and with VCReg): a kind, or KIND:SCALING (<see cref="ProtocolRows"/>).</summary>
    public IReadOnlyList<string> Regularizers { get; init; } = ["none", "vcreg"];
    /// <summary>Every pretraining and probe is repeated on this many seeds: the run's seed, +1, … (appendix C.1: "run three times").</summary>
    public int Seeds { get; init; } = 1;
    /// <summary>The pretraining's recipe, regularizer settings (its kind is replaced per row), run folder root, seed, device.</summary>
    public required ExperimentOptions Pretrain { get; init; }
    public string ProbeSolver { get; init; } = "lbfgs";
    /// <summary>Probe settings beyond the solver (epochs, lr, λ count); OutDir, Solver and Settings are set per probe.</summary>
    public ProbeOptions? Probe { get; init; }
    /// <summary>Decode workers for ImageFolder data.</summary>
    public int Workers { get; init; } = 2;
    /// <summary>The pretraining recipe's ImageFolder parts (augmentation policy, erasing, crop sizes, repeated augmentation).</summary>
    public Decoding.Images.ImageRecipe? Recipe { get; init; }
    /// <summary>The transfer protocol's pretraining objective (supervised, simclr, vicreg), projector and temperature.</summary>
    public string Objective { get; init; } = ImagePretrainSpec.Supervised;
    public string? Projector { get; init; }
    public double Temperature { get; init; } = 0.1;
    /// <summary>VCReg rows' α and β chosen on a validation hold-out before the seeded runs; null: the preset's.</summary>
    public GridSelection? Selection { get; init; }
}

/// <summary>
/// The paper's image protocols as one call each, on the experiment layer's parts: every pretraining is an
/// <see cref="ImagePretraining"/> run in DIR/pretrain-&lt;reg&gt;, every probe a <see cref="ProbeRunner"/> run in
/// DIR/probe-&lt;reg&gt;-&lt;data&gt;. Finished runs with the same settings are reused, so a protocol interrupted or
/// re-run continues where it was (<c>--force</c> redoes everything). The table goes to DIR/&lt;protocol&gt;.md and .csv.
/// </summary>
public sealed class ImageProtocols(ProtocolOptions options, ILoggerFactory? loggers = null, CancellationToken cancel = default)
{
    string Root => options.Pretrain.OutDir;

    public ImagePreset Preset => options.Preset;

    /// <summary>The same protocols with another pretraining objective.</summary>
    public ImageProtocols With(string objective, string? projector, double temperature) =>
        new(options with { Objective = objective, Projector = projector, Temperature = temperature }, loggers, cancel);

    IReadOnlyList<int> SeedList => [.. Enumerable.Range(0, Math.Max(1, options.Seeds)).Select(i => options.Pretrain.Seed + i)];

    /// <summary>Runs <paramref name="measure"/> once per seed for one row; the row's label comes from its first run.</summary>
    SeededRow Row(string row, Func<int, (string Label, IReadOnlyList<double?> Values)> measure)
    {
        var seeds = SeedList;
        var runs = seeds.Select(measure).ToList();
        return new SeededRow(runs[0].Label, seeds, [.. runs.Select(r => r.Values)]);
    }

    /// <summary>Table 1: pretrain on the source with each regularizer, then probe every downstream set; Average over the downstream sets.</summary>
    public SeededTable Transfer(string source, IReadOnlyList<string> downstream)
    {
        if (options.Selection is { Any: true } && options.Objective != ImagePretrainSpec.Supervised)
            throw new ArgumentException($"--select-alpha/--select-beta choose on a classifier's validation top-1, which --objective {options.Objective} has not: supervised pretraining only");
        var rows = options.Regularizers.Select(reg => Row(reg, seed =>
        {
            var spec = new ImagePretrainSpec(options.Preset, source, Workers: options.Workers, Recipe: options.Recipe,
                Objective: options.Objective, Projector: options.Projector, Temperature: options.Temperature);
            var (weights, tested, label) = Pretrain(reg, spec, seed);
            // A self-supervised pretraining has no classifier to test: its source column is a linear probe on the source, as SimCLR and VICReg report.
            var values = new List<double?> { spec.SelfSupervised ? RunProbe(reg, weights, source, seed).TestTop1 : tested?.Top1 };
            foreach (var data in downstream)
                values.Add(RunProbe(reg, weights, data, seed).TestTop1);
            return (label, values);
        })).ToList();
        bool ssl = options.Objective != ImagePretrainSpec.Supervised;
        return Finish("transfer", new SeededTable($"Transfer: {options.Preset.Name} pretrained{(ssl ? $" by {options.Objective}" : "")} on {source}, linear probe ({options.ProbeSolver}), test top-1 %",
            [ssl ? $"{source} (probe)" : $"{source} (source test)", .. downstream.Select(d => $"{d} (probe)")], rows, AverageFrom: downstream.Count > 1 ? 1 : null));
    }

    /// <summary>Table 3: pretrain on the long-tailed training set, test on the balanced test set; head / middle / tail thirds of the classes.</summary>
    public SeededTable LongTail(string data, double imbalance)
    {
        var rows = options.Regularizers.Select(reg => Row(reg, seed =>
        {
            var (_, tested, label) = Pretrain(reg, new ImagePretrainSpec(options.Preset, data, Imbalance: imbalance, Workers: options.Workers, Recipe: options.Recipe), seed);
            if (tested is null) throw new InvalidOperationException($"{data}: no test set to score the long-tail run on");
            // The long-tail profile keeps the most images of class 0 and the fewest of the last: thirds by class index.
            int classes = tested.Predictions.Max(p => p.Label) + 1;
            double? Third(int k) => ThirdAccuracy(tested.Predictions, classes, k);
            return (label, (IReadOnlyList<double?>)[tested.Top1, tested.MeanClassAccuracy, Third(0), Third(1), Third(2)]);
        })).ToList();
        return Finish("long_tail", new SeededTable($"Long tail: {options.Preset.Name} on {data}, imbalance ×{imbalance.ToString(CultureInfo.InvariantCulture)}, balanced test, top-1 %",
            ["top-1", "mean class", "many (first third)", "medium", "few (last third)"], rows));
    }

    /// <summary>Table 5: pretrain on coarse labels, then probe the frozen features on fine labels.</summary>
    public SeededTable Hierarchical(string data)
    {
        var rows = options.Regularizers.Select(reg => Row(reg, seed =>
        {
            var (weights, tested, label) = Pretrain(reg, new ImagePretrainSpec(options.Preset, data, Coarse: true, Workers: options.Workers, Recipe: options.Recipe), seed);
            return (label, (IReadOnlyList<double?>)[tested?.Top1, RunProbe(reg, weights, data, seed).TestTop1]);
        })).ToList();
        return Finish("hierarchical", new SeededTable($"Hierarchical: {options.Preset.Name} pretrained on {data} coarse labels, {options.ProbeSolver} probe on fine labels, test top-1 %",
            ["coarse (pretraining test)", "fine (probe)"], rows));
    }

    public static double? ThirdAccuracy(IReadOnlyList<VideoPrediction> predictions, int classes, int third)
    {
        int lo = classes * third / 3, hi = classes * (third + 1) / 3;
        var inThird = predictions.Where(p => p.Label >= lo && p.Label < hi).ToList();
        return inThird.Count == 0 ? null : inThird.Count(p => p.Predicted == p.Label) / (double)inThird.Count;
    }

    /// <summary>The folder suffix of a seed's runs: none when there is one seed, so single-seed folders keep their names.</summary>
    string SeedTag(int seed) => options.Seeds > 1 ? $"-seed{seed}" : "";

    readonly Dictionary<string, RegularizerOptions> chosen = [];

    /// <summary>
    /// The row's regularizer settings: the shared ones with its kind and scaling, and for a VCReg row under a
    /// <see cref="GridSelection"/>, the α and β its validation hold-out chose (the grid's runs happen on the first call).
    /// </summary>
    RegularizerOptions RowSettings(string row, ImagePretrainSpec spec)
    {
        var reg = ProtocolRows.Apply(row, options.Pretrain.Regularizer);
        if (options.Selection is not { Any: true } selection || !reg.Kind.StartsWith("vcreg")) return reg;
        if (chosen.TryGetValue(row, out var known)) return known;
        var points = selection.Points(reg.Alpha, reg.Beta);
        var scores = points.Select(point =>
        {
            var outcome = ImagePretraining.Run(spec with { ValidationShare = selection.Share }, options.Pretrain with
            {
                OutDir = Path.Combine(Root, GridSelection.Folder(row, point.Alpha, point.Beta)), Regularizer = reg with { Alpha = point.Alpha, Beta = point.Beta },
                ReuseFinished = !options.Pretrain.Force, SkipTest = true, Title = "", Seed = SeedList[0],
            }, loggers, cancel);
            return outcome[0].Epochs.Count > 0 && outcome[0].Epochs[^1].Validation.TryGetValue(selection.Metric, out var score) ? score : (double?)null;
        }).ToList();
        int best = GridSelection.Best(scores, row);
        var result = reg with { Alpha = points[best].Alpha, Beta = points[best].Beta };
        selection.Write(Root, row, $"{options.Preset.Name} / {reg.Kind} {reg.Scaling}-scaled", points, scores, best);
        loggers?.CreateLogger("protocol").LogInformation("{Row}: α {Alpha}, β {Beta} chosen on the validation hold-out ({Metric} {Score:P1}); {File}",
            row, result.Alpha, result.Beta, selection.Metric, scores[best], Path.Combine(Root, $"selection-{ProtocolRows.Folder(row)}.md"));
        return chosen[row] = result;
    }

    (string Weights, EvalResult? Tested, string Label) Pretrain(string row, ImagePretrainSpec spec, int seed)
    {
        var regOptions = RowSettings(row, spec);
        var outcome = ImagePretraining.Run(spec, options.Pretrain with
        {
            OutDir = Path.Combine(Root, $"pretrain-{ProtocolRows.Folder(row)}{SeedTag(seed)}"), Regularizer = regOptions, ReuseFinished = !options.Pretrain.Force, Title = "",
            Seed = seed,
        }, loggers, cancel);
        string label = $"{options.Preset.Name}{(spec.SelfSupervised ? $" {spec.Objective}" : "")} / {regOptions.RowLabel}";
        return (Path.Combine(outcome[0].Dir, "checkpoint-last.pth"), outcome[0].Tested?.Test, label);
    }

    /// <summary>A linear probe of the pretraining's frozen features on <paramref name="data"/>'s fine labels.</summary>
    ProbeReport RunProbe(string row, string weights, string data, int seed)
    {
        var name = new string([.. data.Select(c => char.IsLetterOrDigit(c) || c == '-' ? c : '_')]).Trim('_');
        var probe = (options.Probe ?? new ProbeOptions { OutDir = "" }) with
        {
            OutDir = Path.Combine(Root, $"probe-{ProtocolRows.Folder(row)}{SeedTag(seed)}-{name}"), Solver = options.ProbeSolver, Seed = seed, Device = options.Pretrain.Device,
            Force = options.Pretrain.Force, ReuseFinished = true,
        };
        // The probe as the spec `probe` takes for it, so a protocol's probe and the same typed one record the same settings.
        var spec = new Specs.ProbeSpec { Arch = options.Preset.Name, Weights = Path.GetFullPath(weights), Source = data, Labels = "fine", Workers = options.Workers, Probe = probe };
        var source = ImageSources.Create(data, options.Preset, workers: options.Workers, log: loggers?.CreateLogger("data"));
        return new ProbeRunner(spec, options.Preset, loggers, cancel).Run(source, ImageBackbone.Factory(options.Preset, weights), $"{options.Preset.Name} ({weights}) probed on {source.Description}, {options.ProbeSolver}");
    }

    SeededTable Finish(string name, SeededTable table)
    {
        if (options.Selection is { Any: true } selection)
            table = table with { Title = table.Title + string.Create(CultureInfo.InvariantCulture, $"; vcreg's α and β chosen on a {selection.Share:P0} validation hold-out (selection-*.md)") };
        table.Write(Root, name);
        return table;
    }
}
