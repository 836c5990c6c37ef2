using Microsoft.Extensions.Logging;
using TorchSharp;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Decoding.Datasets;
using VideoVCReg.Decoding.Loading;
using VideoVCReg.Decoding.Transforms;
using VideoVCReg.Eval;
using VideoVCReg.Models;
using static TorchSharp.torch;

namespace VideoVCReg.Cli.Commands;

/// <summary>What `finetune` and `eval` share: the clip views a model expects, and scoring a split's test videos.</summary>
static class SplitTest
{
    public static ViewOptions Views(ModelConfig c, DataOptions data) => new()
    {
        ClipLength = c.Frames, SamplingRate = data.SamplingRate, CropSize = c.ImageSize,
        TrainShortSide = (int)Math.Round(c.ImageSize * 256 / 224.0), // VideoMAE decodes at 256 for 224 crops
        Normalization = Normalization.Named(c.Normalization), NoiseSigma = data.Noise,
        TestClips = data.TestClips, TestCrops = data.TestCrops,
        HorizontalFlip = data.Flip ?? data.Path is not null,
        RandAugment = data.RandAugment == "none" ? null : data.RandAugment,
        CropMinArea = data.CropMinArea,
    };

    /// <summary>Every view of every test video through the model; videos that fail to decode are left out and returned.</summary>
    public static (EvalResult Result, IReadOnlyDictionary<string, string> Skipped) Score(nn.Module<Tensor, Tensor> model, MediaDataset test,
        ViewOptions views, int batch, int workers, int seed, Device device, ILogger log, CancellationToken cancel)
    {
        var loader = new VideoLoader(test, new ViewPipeline(views, ViewMode.Test), new LoaderOptions(batch, workers, seed), log);
        var progress = new ProgressLine("test");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        int total = loader.BatchesPerEpoch();
        var result = Evaluator.Run(model, loader.Epoch(0, cancel), device, cancel,
            done => progress.Show(ProgressLine.Format($"{views.TestClips}×{views.TestCrops} views, batch", done, total, watch.Elapsed)));
        progress.Clear();
        // A score over no video is not a result: 0 % would read as a model that is always wrong.
        if (result.Videos == 0)
            throw new InvalidDataException($"{test.Source}: none of the {test.Count} test videos could be decoded ({loader.Summary()})");
        return (result, loader.SkippedVideos);
    }

    /// <summary>A split that finished in an earlier process: its test result from results.json, its curves from metrics.jsonl.</summary>
    public static SplitOutcome ReadOutcome(string splitDir, int split)
    {
        var path = Path.Combine(splitDir, "results.json");
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
            var t = doc.RootElement.GetProperty("test");
            var predictions = doc.RootElement.GetProperty("predictions").EnumerateArray().Select(p => new VideoPrediction(
                p.GetProperty("video_id").GetString()!, p.GetProperty("label").GetInt32(), p.GetProperty("predicted").GetInt32(),
                p.GetProperty("views").GetInt32(), p.GetProperty("confidence").GetDouble())).ToList();
            var result = new EvalResult(t.GetProperty("videos").GetInt32(), t.GetProperty("views").GetInt32(), t.GetProperty("top1").GetDouble(),
                t.GetProperty("top5").GetDouble(), t.GetProperty("mean_class_accuracy").GetDouble(), predictions);
            var epochs = File.ReadAllLines(Path.Combine(splitDir, "metrics.jsonl")).Where(l => l.Trim().Length > 0)
                .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();
            return new SplitOutcome(split, result, [.. epochs.Select(e => e.GetProperty("train_loss").GetDouble())],
                [.. epochs.Select(e => e.GetProperty("validation").TryGetProperty("top1", out var v) ? v.GetDouble() : (double?)null)]);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException or FileNotFoundException)
        {
            throw new InvalidDataException($"{path}: cannot read the finished split back ({e.Message}); --force starts the run over", e);
        }
    }

    /// <summary>Writes a split's results.json (settings, test metrics, per-video predictions, skipped videos), atomically.</summary>
    public static string WriteResults(string splitDir, object summary)
    {
        var path = Path.Combine(splitDir, "results.json");
        Models.IO.AtomicFile.WriteText(path, System.Text.Json.JsonSerializer.Serialize(summary,
            new System.Text.Json.JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower }));
        return path;
    }
}
