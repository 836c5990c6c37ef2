using System.Text.Json;
using VideoVCReg.Eval;
using VideoVCReg.FineTune;
using VideoVCReg.Runtime.IO;

namespace VideoVCReg.Experiment;

/// <summary>A fold's results.json: written atomically when the fold ends, read back when a resumed run finds the fold done.</summary>
public static class FoldResults
{
    static readonly JsonSerializerOptions Options = new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }.NonFiniteAsNull();

    public static string Write(string dir, object summary)
    {
        var path = Path.Combine(dir, "results.json");
        AtomicFile.WriteText(path, JsonSerializer.Serialize(summary, Options));
        return path;
    }

    /// <summary>A number as <see cref="FiniteJson"/> writes it: null for one that was not finite.</summary>
    static double Number(JsonElement e) => e.ValueKind == JsonValueKind.Null ? double.NaN : e.GetDouble();

    /// <summary>A fold that finished in an earlier process: its test result from results.json, its curves from metrics.jsonl.</summary>
    public static FoldOutcome Read(string dir, int fold)
    {
        var path = Path.Combine(dir, "results.json");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var metrics = Path.Combine(dir, "metrics.jsonl");
            var epochs = File.Exists(metrics)
                ? File.ReadAllLines(metrics).Where(l => l.Trim().Length > 0).Select(l => JsonSerializer.Deserialize<EpochRecord>(l, Trainer.JsonOptions)!).ToList()
                : [];
            if (!doc.RootElement.TryGetProperty("test", out var t)) return new FoldOutcome(fold, dir, epochs, null);
            var predictions = doc.RootElement.GetProperty("predictions").EnumerateArray().Select(p => new VideoPrediction(
                p.GetProperty("video_id").GetString()!, p.GetProperty("label").GetInt32(), p.GetProperty("predicted").GetInt32(),
                p.GetProperty("views").GetInt32(), Number(p.GetProperty("confidence")))).ToList();
            var result = new EvalResult(t.GetProperty("videos").GetInt32(), t.GetProperty("views").GetInt32(), Number(t.GetProperty("top1")),
                Number(t.GetProperty("top5")), Number(t.GetProperty("mean_class_accuracy")), predictions);
            return new FoldOutcome(fold, dir, epochs, new SplitOutcome(fold, result, [.. epochs.Select(e => e.TrainLoss)],
                [.. epochs.Select(e => e.Validation.TryGetValue("top1", out var v) ? v : (double?)null)]));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FileNotFoundException or NotSupportedException)
        {
            throw new InvalidDataException($"{path}: cannot read the finished split back ({e.Message}); --force starts the run over", e);
        }
    }
}
