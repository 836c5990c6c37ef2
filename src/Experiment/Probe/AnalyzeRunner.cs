using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VideoVCReg.Eval;
using VideoVCReg.Experiment.Protocols;
using VideoVCReg.FineTune;
using VideoVCReg.Runtime.IO;
using static TorchSharp.torch;

namespace VideoVCReg.Experiment.Probe;

/// <summary>One backbone's analysis, as report.json lists it.</summary>
public sealed record AnalyzedWeights(string? Weights, string Label, RepresentationReport Metrics);

/// <summary>
/// `videovcreg analyze`: for each backbone, the probe's features of a data source (<see cref="BackboneFeatures"/>) and
/// what they look like (<see cref="RepresentationMetrics"/>); report.json (<c>kind</c> "representation"),
/// analysis.md/.csv in Table 6's layout, spectrum.png; optionally the features as .npy. A finished analysis in the
/// folder is refused unless forced (<see cref="RunFolder"/>).
/// </summary>
public sealed class AnalyzeRunner(string outDir, bool force, Device device, int seed, ILoggerFactory? loggers = null, CancellationToken cancel = default)
{
    public const string Kind = "representation";
    readonly ILogger log = (loggers ?? NullLoggerFactory.Instance).CreateLogger("analyze");

    /// <param name="backbones">Per backbone: its weights file (null: random weights) and the factory that builds it.</param>
    public IReadOnlyList<AnalyzedWeights> Run(IDataSource source, IReadOnlyList<(string? Weights, ModelFactory Factory)> backbones, string? saveFeatures)
    {
        using var folder = RunFolder.Acquire(outDir);
        if (saveFeatures is string saveTo) RunFolder.CreateSideFolder(saveTo, "--save-features");
        folder.Claim(outDir, force, () => RunInputs.Check(source, backbones.Select(b => b.Factory), outDir, cancel), resumes: false);
        source.Prepare(outDir, cancel);
        var results = new List<AnalyzedWeights>();
        for (int k = 0; k < backbones.Count; k++)
        {
            var (weights, factory) = backbones[k];
            using var features = BackboneFeatures.Extract(source, factory, device, 128, seed, cancel);
            log.LogInformation("{Model} ({Origin}): {Dim}-d features of {Train} training and {Test} test {Noun}", features.Model, features.Origin,
                features.Train.Dim, features.Train.Count, features.Test.Count, features.Noun);
            if (saveFeatures is string dir)
            {
                var target = backbones.Count == 1 ? dir : Path.Combine(dir, $"weights{k + 1}");
                foreach (var (name, set) in new[] { ("train", features.Train), ("test", features.Test) })
                {
                    NpyFile.Write(Path.Combine(target, $"{name}_features.npy"), set.X);
                    NpyFile.Write(Path.Combine(target, $"{name}_labels.npy"), set.Y);
                }
            }
            var metrics = RepresentationMetrics.Compute(features.Train, features.Test, features.Classes.Count);
            results.Add(new AnalyzedWeights(weights, weights is null ? $"{features.Model} / random weights" : TransferTable.Pretraining(weights), metrics));
        }
        var table = new ProtocolTable($"Representation of the features before the head on {source.Description}",
            ["CDNV (train)", "NCC train top-1", "NCC test top-1", "effective rank", "top singular value share"],
            [.. results.Select(r => (r.Label, (IReadOnlyList<double?>)[r.Metrics.Cdnv, r.Metrics.NccTrain, r.Metrics.NccTest, r.Metrics.EffectiveRank, r.Metrics.TopShare]))],
            [false, true, true, false, true]);
        table.Write(outDir, "analysis");
        SpectrumPlot(results, Path.Combine(outDir, "spectrum.png"));
        AtomicFile.WriteText(Path.Combine(outDir, RunFolder.FinishedMarker), JsonSerializer.Serialize(new { kind = Kind, data = source.Description, runs = results }, Json));
        return results;
    }

    // A metric can be undefined (CDNV with one class): NaN is written as "NaN" rather than failing the write.
    public static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    static void SpectrumPlot(IReadOnlyList<AnalyzedWeights> results, string path)
    {
        var plot = new ScottPlot.Plot();
        foreach (var r in results)
        {
            var s = r.Metrics.Spectrum;
            double top = s.Length > 0 && s[0] > 0 ? s[0] : 1;
            // Normalised by the largest, on a log10 axis; zero eigenvalues are left out (log of 0).
            var points = s.Select((v, i) => (X: (double)(i + 1), Y: v / top)).Where(p => p.Y > 0).ToArray();
            var line = plot.Add.Scatter(points.Select(p => p.X).ToArray(), points.Select(p => Math.Log10(p.Y)).ToArray());
            line.LegendText = r.Label;
            line.MarkerSize = 0;
        }
        plot.Title("Feature covariance spectrum");
        plot.XLabel("index");
        plot.YLabel("log10(σ / σ₁)");
        plot.ShowLegend();
        AtomicFile.Write(path, stream => stream.Write(plot.GetImageBytes(800, 500, ScottPlot.ImageFormat.Png)));
    }
}
