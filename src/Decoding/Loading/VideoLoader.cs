using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VideoVCReg.Decoding.Datasets;
using static TorchSharp.torch;

namespace VideoVCReg.Decoding.Loading;

/// <summary>
/// Background decode workers feeding bounded queues, so decoding overlaps training. Batch <c>b</c> of an epoch
/// is built by worker <c>b mod W</c> and handed out in order; each view's randomness comes from
/// (seed, epoch, item, view) alone, so batches are the same for any worker count and any timing.
/// A video that fails is logged once (path and reason), skipped, and not tried again; its views are left out
/// of their batch, never replaced by another video (VideoMAE swaps in a random one; that biases evaluation).
/// </summary>
public sealed class VideoLoader(MediaDataset dataset, ViewPipeline pipeline, LoaderOptions options, ILogger? log = null)
{
    readonly ILogger log = log ?? NullLogger.Instance;
    readonly ConcurrentDictionary<string, string> bad = new(StringComparer.Ordinal);
    long skippedViews;

    public MediaDataset Dataset => dataset;
    /// <summary>Videos that failed, with the reason: the skip report at the end of a run.</summary>
    public IReadOnlyDictionary<string, string> SkippedVideos => bad;
    public long SkippedViews => Interlocked.Read(ref skippedViews);

    public string Summary() => bad.IsEmpty ? "no videos skipped"
        : $"{bad.Count} video(s) skipped ({SkippedViews} views): {string.Join("; ", bad.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}: {p.Value}"))}";

    /// <summary>(item, view) pairs of an epoch in order: shuffled items for training, every view of every item for test.</summary>
    public IReadOnlyList<(int Item, int View)> Order(int epoch)
    {
        var items = Enumerable.Range(0, dataset.Count).ToArray();
        if (pipeline.Mode == ViewMode.Train) new Random(Seeds.Mix(options.Seed, epoch, 0x5ff1e)).Shuffle(items);
        return [.. items.SelectMany(i => Enumerable.Range(0, pipeline.ViewsPerItem).Select(v => (i, v)))];
    }

    public int BatchesPerEpoch(int epoch = 0)
    {
        int n = dataset.Count * pipeline.ViewsPerItem, b = options.BatchSize;
        return options.DropLast ? n / b : (n + b - 1) / b;
    }

    public IEnumerable<Batch> Epoch(int epoch, CancellationToken cancel = default)
    {
        if (options.BatchSize < 1 || options.Workers < 1 || options.QueueDepth < 1)
            throw new ArgumentException($"loader needs batch size, workers and queue depth >= 1 (got {options.BatchSize}, {options.Workers}, {options.QueueDepth})");
        var order = Order(epoch);
        int batches = BatchesPerEpoch(epoch);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var queues = Enumerable.Range(0, options.Workers)
            .Select(_ => Channel.CreateBounded<Batch?>(new BoundedChannelOptions(options.QueueDepth) { SingleReader = true, SingleWriter = true }))
            .ToArray();
        var workers = Enumerable.Range(0, options.Workers)
            .Select(w => Task.Factory.StartNew(() => Work(w, epoch, order, batches, queues[w].Writer, stop.Token),
                stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default))
            .ToArray();
        try
        {
            for (int b = 0; b < batches; b++)
            {
                var reader = queues[b % options.Workers].Reader;
                Batch? batch;
                try { batch = reader.ReadAsync(stop.Token).AsTask().GetAwaiter().GetResult(); }
                catch (ChannelClosedException e) when (e.InnerException != null)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
                    throw;
                }
                // A worker that saw the cancellation closes its queue without an error; report it as what it is.
                catch (ChannelClosedException) when (cancel.IsCancellationRequested) { throw new OperationCanceledException(cancel); }
                if (batch != null) yield return batch;
            }
            if (!bad.IsEmpty) log.LogWarning("epoch {Epoch}: {Summary}", epoch, Summary());
        }
        finally
        {
            stop.Cancel();
            try { Task.WaitAll(workers); } catch (AggregateException) { }
            foreach (var q in queues) while (q.Reader.TryRead(out var left)) left?.Dispose();
        }
    }

    void Work(int worker, int epoch, IReadOnlyList<(int Item, int View)> order, int batches, ChannelWriter<Batch?> queue, CancellationToken cancel)
    {
        var cache = new DecodeCache(pipeline);
        try
        {
            for (int b = worker; b < batches; b += options.Workers)
            {
                var batch = Build(b, epoch, order, cache, cancel);
                try { queue.WriteAsync(batch, cancel).AsTask().GetAwaiter().GetResult(); }
                catch { batch?.Dispose(); throw; }
            }
            queue.TryComplete();
        }
        catch (OperationCanceledException) { queue.TryComplete(); }
        catch (Exception e) { queue.TryComplete(e); }
        finally { cache.Dispose(); }
    }

    Batch? Build(int b, int epoch, IReadOnlyList<(int Item, int View)> order, DecodeCache cache, CancellationToken cancel)
    {
        using var scope = NewDisposeScope();
        var clips = new List<Tensor>();
        var ids = new List<string>();
        var views = new List<int>();
        var labels = new List<long>();
        int start = b * options.BatchSize, end = Math.Min(order.Count, start + options.BatchSize);
        for (int u = start; u < end; u++)
        {
            cancel.ThrowIfCancellationRequested();
            var (i, v) = order[u];
            var item = dataset.Items[i];
            if (bad.ContainsKey(item.Path)) { Interlocked.Increment(ref skippedViews); continue; }
            var rng = new Random(Seeds.Mix(options.Seed, epoch, i, v));
            try
            {
                var clip = cache.Clip(item, i, v, rng);
                clips.Add(pipeline.Finish(clip, item, v, rng, options.Seed));
            }
            // Whatever one video throws (decoder, tensor allocation, transform) costs that video only; a
            // cancellation or running out of memory is not the video's fault and stops the epoch.
            catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException))
            {
                Interlocked.Increment(ref skippedViews);
                if (bad.TryAdd(item.Path, e.Message)) log.LogWarning("skipping unreadable video {Path}: {Reason}", item.Path, e.Message);
                continue;
            }
            ids.Add(item.Id);
            views.Add(v);
            labels.Add(item.Label);
        }
        if (clips.Count == 0) return null;
        var stacked = stack(clips).MoveToOuterDisposeScope();
        var labelT = tensor(labels.ToArray(), ScalarType.Int64).MoveToOuterDisposeScope();
        return new Batch(b, stacked, labelT, ids, views);
    }

    /// <summary>Per worker: the open reader of the last video, and the last decoded test clip (shared by its crops).</summary>
    sealed class DecodeCache(ViewPipeline pipeline) : IDisposable
    {
        VideoReader? reader;
        Tensor? clip;
        (int Item, int Clip) clipKey = (-1, -1);

        public Tensor Clip(MediaItem item, int index, int view, Random rng)
        {
            if (pipeline.Mode == ViewMode.Test && clip is not null && clipKey == (index, pipeline.ClipOf(view))) return clip;
            if (reader?.Path != item.Path)
            {
                reader?.Dispose();
                reader = null;
                reader = VideoReader.Open(item.Path, pipeline.ReaderOptions);
            }
            var frames = pipeline.Frames(reader.Info.Frames, view, rng);
            var decoded = reader.ReadClip(frames);
            decoded.DetachFromDisposeScope();
            clip?.Dispose();
            (clip, clipKey) = (decoded, (index, pipeline.ClipOf(view)));
            return clip;
        }

        public void Dispose()
        {
            reader?.Dispose();
            clip?.Dispose();
        }
    }
}
