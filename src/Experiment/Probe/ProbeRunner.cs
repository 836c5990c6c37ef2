using System.Diagnostics;
using TorchSharp;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VideoVCReg.Eval;
using VideoVCReg.FineTune;
using VideoVCReg.Models;
using VideoVCReg.Runtime.IO;
using static TorchSharp.torch;

namespace VideoVCReg.Experiment.Probe;

/// <summary>One λ of the sweep, as report.json lists it.</summary>
public sealed record ProbeSweepPoint(double Lambda, double ValidationTop1, int Iterations, bool Converged);

/// <summary>
/// What a probe run found, as its report.json holds it (<c>kind</c> "linear-probe"). For lbfgs: the chosen λ, its
/// scikit-learn <c>C</c> (1/(λ·n) for the n training features of the refit), validation top-1 and the sweep; for
/// adamw, the final training loss. Both: test top-1 on the test features.
/// </summary>
public sealed record ProbeReport(string Kind, string Solver, string Title, IReadOnlyDictionary<string, object?> Settings, int FeatureDim, int Classes,
    int TrainSamples, int TestSamples, double TestTop1, double? Lambda, double? SklearnC, double? ValidationTop1,
    IReadOnlyList<ProbeSweepPoint>? Sweep, double? FinalTrainLoss, double ExtractSeconds, double SolveSeconds)
{
    public static readonly JsonSerializerOptions Json = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true }.NonFiniteAsNull();

    /// <summary>The data probed, as its source describes it ("" when the settings do not say).</summary>
    public string Data => Text(At("resolved", "data") ?? At("data"));

    /// <summary>The full path of the weights probed ("" for random weights).</summary>
    public string Weights => Text(At("resolved", "weights") ?? At("weights"));

    /// <summary>The probe's seed (0 when the settings do not say).</summary>
    public int Seed => (At("spec", "probe", "seed") ?? At("seed")) is { ValueKind: JsonValueKind.Number } e ? e.GetInt32() : 0;

    /// <summary>The settings' value at a path: version 2's ("resolved", "data"), or an older report's flat key.</summary>
    JsonElement? At(string key, params string[] path)
    {
        if (!Settings.TryGetValue(key, out var top) || top is not JsonElement e) return null;
        foreach (var k in path)
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(k, out e)) return null;
        return e;
    }

    static string Text(JsonElement? e) => e is { ValueKind: JsonValueKind.String } s ? s.GetString()! : "";

    public static ProbeReport Read(string dir)
    {
        var path = Path.Combine(dir, RunFolder.FinishedMarker);
        try
        {
            var r = JsonSerializer.Deserialize<ProbeReport>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path}: empty");
            return r.Kind == ProbeRunner.Kind ? r : throw new InvalidDataException($"{path}: not a linear-probe report (kind '{r.Kind}')");
        }
        catch (JsonException e) { throw new InvalidDataException($"{path}: unreadable probe report ({e.Message})", e); }
    }
}

/// <summary>
/// The linear-probe protocol on the experiment layer's parts: a data source's plain training views and test
/// set, a frozen backbone from a <see cref="ModelFactory"/>, its features (<see cref="FeatureExtractor"/>), then
/// either the λ sweep of <see cref="LinearProbe"/> or a linear classifier trained by the one <see cref="Trainer"/>.
/// The run folder follows <see cref="RunFolder"/>'s rules: locked, a finished probe refused unless forced; settings.json
/// is the spec (<see cref="RunSettings"/>' version 2) with what it resolved to: the data, the preset, the weights' path and digest.
/// </summary>
public sealed class ProbeRunner(Specs.ProbeSpec spec, Models.Image.ImagePreset preset, ILoggerFactory? loggers = null, CancellationToken cancel = default)
{
    public const string Kind = "linear-probe";

    readonly ILogger log = (loggers ?? NullLoggerFactory.Instance).CreateLogger("probe");
    readonly ProbeOptions options = spec.Probe;

    public ProbeReport Run(IDataSource source, ModelFactory factory, string title)
    {
        using var folder = RunFolder.Acquire(options.OutDir);
        var settingsPath = Path.Combine(options.OutDir, RunSettings.FileName);
        var settingsJson = Specs.SpecJson.Settings(spec, new Dictionary<string, object?>
        {
            ["data"] = source.Description, ["arch"] = preset with { Description = "" },
            // The file probed, whatever the path it was given by: a checkpoint rewritten in place is another probe.
            ["weights"] = spec.Weights is null ? null : Path.GetFullPath(spec.Weights),
            ["weights_sha256"] = spec.Weights is null ? null : FileDigest.Sha256(spec.Weights),
        });
        string? recorded = File.Exists(settingsPath) ? File.ReadAllText(settingsPath) : null;
        if (folder.Finished && options.ReuseFinished && !options.Force)
        {
            if (recorded != settingsJson) throw RunSettings.NotReused(options.OutDir, recorded, settingsJson);
            log.LogInformation("{Out} holds a finished probe with these settings: reusing it", options.OutDir);
            return ProbeReport.Read(options.OutDir);
        }
        if (options.SaveFeatures is string saveTo) RunFolder.CreateSideFolder(saveTo, "--save-features");
        folder.Claim(options.OutDir, options.Force, () => RunInputs.Check(source, [factory], options.OutDir, cancel), resumes: false);
        AtomicFile.WriteText(settingsPath, settingsJson);
        source.Prepare(options.OutDir, cancel);
        using var features = BackboneFeatures.Extract(source, factory, options.Device, options.ExtractBatchSize, options.Seed, cancel);
        var (train, test, classes) = (features.Train, features.Test, features.Classes);
        double extractSeconds = features.Seconds;
        log.LogInformation("features: {Dim} dimensions, {Train} training and {Test} test {Noun} from {Model} ({Origin}) in {Seconds:F1}s",
            train.Dim, train.Count, test.Count, features.Noun, features.Model, features.Origin, extractSeconds);
        var watch = Stopwatch.StartNew();
        if (options.SaveFeatures is string featureDir) SaveFeatures(featureDir, train, test);

        ProbeReport report;
        if (options.Solver == "lbfgs")
        {
            // With --save-features the refit classifier goes beside the features (probe_weight [C, D], probe_bias [C]).
            var r = LinearProbe.Run(train.X, train.Y, test.X, test.Y, classes.Count, options.ValidationShare, options.Seed,
                LinearProbe.Lambdas(options.LambdaCount), new LogisticRegression.Options(MaxIterations: options.MaxIterations), final: options.SaveFeatures is not string dir ? null : fit =>
                {
                    NpyFile.Write(Path.Combine(dir, "probe_weight.npy"), fit.Weight.to(ScalarType.Float32));
                    NpyFile.Write(Path.Combine(dir, "probe_bias.npy"), fit.Bias.to(ScalarType.Float32));
                });
            if (r.Sweep.Count(q => !q.Converged) is int stopped and > 0)
                log.LogWarning("{Stopped} of {Count} fits stopped at {Max} iterations short of the gradient tolerance (small λ on nearly separable features; --max-iter raises the cap); their scores are those of the stopped fit",
                    stopped, r.Sweep.Count, options.MaxIterations);
            report = new ProbeReport(Kind, options.Solver, title, Settings(settingsJson), train.Dim, classes.Count, train.Count, test.Count, r.TestTop1,
                r.Lambda, LogisticRegression.SklearnC(r.Lambda, train.Count), r.ValidationTop1, [.. r.Sweep.Select(p => new ProbeSweepPoint(p.Lambda, p.ValidationTop1, p.Iterations, p.Converged))],
                null, extractSeconds, watch.Elapsed.TotalSeconds);
        }
        else
        {
            var (top1, loss) = TrainLinear(train, test, classes.Count);
            report = new ProbeReport(Kind, options.Solver, title, Settings(settingsJson), train.Dim, classes.Count, train.Count, test.Count, top1,
                null, null, null, null, loss, extractSeconds, watch.Elapsed.TotalSeconds);
        }
        AtomicFile.WriteText(Path.Combine(options.OutDir, RunFolder.FinishedMarker), JsonSerializer.Serialize(report, ProbeReport.Json));
        return report;
    }

    /// <summary>The settings as report.json embeds them, and as they read back from it.</summary>
    static Dictionary<string, object?> Settings(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!.ToDictionary(kv => kv.Key, kv => (object?)kv.Value);

    /// <summary>train_*, val_* (the validation share the λ sweep scores on) and test_* features and labels, as np.save writes them.</summary>
    void SaveFeatures(string dir, FeatureSet train, FeatureSet test)
    {
        var (fit, val) = LinearProbe.HoldOut(train.Y.data<long>().ToArray(), options.ValidationShare, options.Seed);
        using var fitIdx = tensor(fit);
        using var valIdx = tensor(val);
        foreach (var (name, x, y) in new[]
        {
            ("train", train.X.index_select(0, fitIdx), train.Y.index_select(0, fitIdx)),
            ("val", train.X.index_select(0, valIdx), train.Y.index_select(0, valIdx)),
            ("test", test.X, test.Y),
        })
        {
            NpyFile.Write(Path.Combine(dir, $"{name}_features.npy"), x);
            NpyFile.Write(Path.Combine(dir, $"{name}_labels.npy"), y);
        }
        log.LogInformation("features written to {Dir} (train = the fit share, val = the held-out share; the refit uses both)", dir);
    }

    /// <summary>Appendix C.3's probe: the loop's AdamW, cosine from the peak with no warm-up, no smoothing or mixing.</summary>
    (double Top1, double FinalLoss) TrainLinear(FeatureSet train, FeatureSet test, int classes)
    {
        var recipe = new TrainOptions
        {
            Epochs = options.Epochs, BatchSize = options.BatchSize, BaseLr = options.Lr * 256.0 / options.BatchSize, MinLr = 0, WarmupEpochs = 0,
            WeightDecay = options.WeightDecay, LayerDecay = 1, LabelSmoothing = 0, Mixup = 0, Cutmix = 0, RepeatedAugment = 1,
        };
        using var probe = new FeatureClassifier(train.Dim, classes);
        var progress = new ProgressLine("probe");
        var epochs = new Trainer(probe, recipe, options.Device, NullLogger.Instance)
        {
            Seed = options.Seed,
            OnStep = p => progress.Show(ProgressLine.Format(p)),
        }.Fit(FeatureBatches.Train(train, options.BatchSize, options.Seed), Path.Combine(options.OutDir, "adamw"), cancel);
        progress.Clear();
        var result = Evaluator.Run(probe, FeatureBatches.InOrder(test, options.BatchSize), options.Device, cancel);
        return (result.Top1, epochs[^1].TrainLoss);
    }
}
