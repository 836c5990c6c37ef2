using System.Diagnostics;
using TorchSharp;
using VideoVCReg.Eval;
using VideoVCReg.FineTune;
using static TorchSharp.torch;

namespace VideoVCReg.Experiment.Probe;

/// <summary>A frozen backbone's features of a source's training and test samples in its probe views, with what made them.</summary>
public sealed record ExtractedFeatures(FeatureSet Train, FeatureSet Test, IReadOnlyList<string> Classes, string Model, string Origin, string Noun, double Seconds) : IDisposable
{
    public void Dispose()
    {
        Train.Dispose();
        Test.Dispose();
    }
}

/// <summary>
/// The probe's and the analysis's first step: build the backbone, open the source's first fold, and take the head's
/// input features (<see cref="FeatureExtractor"/>) of its probe views (plain training views, and the test set), with progress.
/// </summary>
public static class BackboneFeatures
{
    public static ExtractedFeatures Extract(IDataSource source, ModelFactory factory, Device device, int batchSize, int seed, CancellationToken cancel)
    {
        int fold = source.Folds[0];
        var classes = source.Classes(fold);
        var built = factory(classes.Count, null);
        using var model = built.Model;
        model.to(device);
        var data = source.Open(fold, model.Input, new TrainOptions { BatchSize = batchSize }, seed);
        var probeTest = data.ProbeTest ?? data.Test;
        if (data.ProbeTrain is null || probeTest is null)
            throw new InvalidOperationException($"{source.Description}: features need plain training views and a test set, which this source does not give");
        var watch = Stopwatch.StartNew();
        var train = Run(model, data.ProbeTrain, "train", device, cancel);
        var test = Run(model, probeTest, "test", device, cancel);
        return new ExtractedFeatures(train, test, classes, built.Name, built.Origin, probeTest.Noun, watch.Elapsed.TotalSeconds);
    }

    static FeatureSet Run(Models.Network model, EvalData data, string what, Device device, CancellationToken cancel)
    {
        var progress = new ProgressLine($"features ({what})");
        var watch = Stopwatch.StartNew();
        var set = FeatureExtractor.Extract(model, data.Epoch(0, cancel), device, cancel,
            done => progress.Show(ProgressLine.Format("batch", done, data.Batches, watch.Elapsed)));
        progress.Clear();
        return set;
    }
}
