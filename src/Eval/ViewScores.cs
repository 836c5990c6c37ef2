using VideoVCReg.Runtime.Distributed;

namespace VideoVCReg.Eval;

/// <summary>One video's merged result.</summary>
public sealed record VideoPrediction(string VideoId, int Label, int Predicted, int Views, double Confidence);

/// <summary>Accuracy over videos after merging their views.</summary>
public sealed record EvalResult(int Videos, int Views, double Top1, double Top5, double MeanClassAccuracy, IReadOnlyList<VideoPrediction> Predictions)
{
    public IReadOnlyDictionary<string, double> Metrics() => new Dictionary<string, double>
    {
        ["top1"] = Top1, ["top5"] = Top5, ["mean_class_accuracy"] = MeanClassAccuracy, ["videos"] = Videos, ["views"] = Views,
    };
}

/// <summary>
/// Merges the views of each video as VideoMAE's merge(): the softmax of every view's logits, averaged over the
/// video's views; the prediction is the argmax of the average. Top-5 counts the label among the five best.
/// </summary>
public sealed class ViewScores
{
    readonly Dictionary<string, (double[] Sum, int Views, int Label)> videos = new(StringComparer.Ordinal);

    public void Add(string videoId, int label, ReadOnlySpan<float> logits)
    {
        if (!videos.TryGetValue(videoId, out var v))
            v = (new double[logits.Length], 0, label);
        else if (v.Label != label)
            throw new InvalidDataException($"video {videoId} has views with labels {v.Label} and {label}");
        else if (v.Sum.Length != logits.Length)
            throw new InvalidDataException($"video {videoId} has views with {v.Sum.Length} and {logits.Length} classes");
        double max = double.NegativeInfinity, z = 0;
        foreach (var l in logits) max = Math.Max(max, l);
        foreach (var l in logits) z += Math.Exp(l - max);
        for (int c = 0; c < logits.Length; c++) v.Sum[c] += Math.Exp(logits[c] - max) / z;
        videos[videoId] = (v.Sum, v.Views + 1, v.Label);
    }

    /// <summary>
    /// Replaces this rank's videos with every rank's (data parallel: each rank scored its own share of the videos). A video
    /// scored on two ranks would have its views merged; the loaders never split one.
    /// </summary>
    public void Gather(ProcessGroup group)
    {
        if (group.Size == 1) return;
        var parts = group.AllGather(Serialize());
        videos.Clear();
        foreach (var part in parts)
        {
            using var reader = new BinaryReader(new MemoryStream(part));
            for (int k = reader.ReadInt32(); k > 0; k--)
            {
                var (id, label, views) = (reader.ReadString(), reader.ReadInt32(), reader.ReadInt32());
                var sum = new double[reader.ReadInt32()];
                for (int c = 0; c < sum.Length; c++) sum[c] = reader.ReadDouble();
                if (videos.TryGetValue(id, out var v))
                    for (int c = 0; c < sum.Length; c++) sum[c] += v.Sum[c];
                videos[id] = (sum, views + (v.Sum is null ? 0 : v.Views), label);
            }
        }
    }

    byte[] Serialize()
    {
        var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(videos.Count);
            foreach (var (id, (sum, views, label)) in videos)
            {
                writer.Write(id);
                writer.Write(label);
                writer.Write(views);
                writer.Write(sum.Length);
                foreach (var x in sum) writer.Write(x);
            }
        }
        return stream.ToArray();
    }

    public EvalResult Result()
    {
        var predictions = new List<VideoPrediction>();
        int top1 = 0, top5 = 0, views = 0;
        foreach (var (id, (sum, n, label)) in videos.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var order = Enumerable.Range(0, sum.Length).OrderByDescending(c => sum[c]).ThenBy(c => c).ToArray();
            if (order[0] == label) top1++;
            if (order.Take(5).Contains(label)) top5++;
            views += n;
            predictions.Add(new VideoPrediction(id, label, order[0], n, sum[order[0]] / n));
        }
        int count = predictions.Count;
        var perClass = predictions.GroupBy(p => p.Label).Select(g => g.Count(p => p.Predicted == p.Label) / (double)g.Count()).ToList();
        return new EvalResult(count, views, count == 0 ? 0 : top1 / (double)count, count == 0 ? 0 : top5 / (double)count,
            perClass.Count == 0 ? 0 : perClass.Average(), predictions);
    }
}
