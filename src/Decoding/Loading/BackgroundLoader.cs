using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VideoVCReg.Runtime.Data;
using static TorchSharp.torch;

namespace VideoVCReg.Decoding.Loading;

/// <summary>
/// Background decode workers feeding bounded queues, so decoding overlaps training; videos and image files alike.
/// Batch <c>b</c> of an epoch is built by worker <c>b mod W</c> and handed out in order; each view's randomness
/// comes from (seed, epoch, item, view) alone, so batches are the same for any worker count and any timing.
/// A sample that fails is logged once (path and reason), skipped, and not tried again; its views are left out
/// of their batch, never replaced by another sample (VideoMAE swaps in a random one; that biases evaluation).
/// </summary>
/// <typeparam name="TWorker">Per-worker state (an open reader, a cache), made per epoch and disposed after it.</typeparam>
public abstract class BackgroundLoader<TWorker> where TWorker : IDisposable
{
    readonly ILogger log;
    readonly ConcurrentDictionary<string, string> bad = new(StringComparer.Ordinal);
    readonly string noun;
    long skippedViews;

    protected BackgroundLoader(LoaderOptions options, ILogger? log, string noun)
    {
        Options = options;
        this.log = log ?? NullLogger.Instance;
        this.noun = noun;
    }

    public LoaderOptions Options { get; }

    /// <summary>Samples in the set.</summary>
    protected abstract int Count { get; }
    /// <summary>Views of each sample per epoch (1 in training, clips × crops in a multi-view test).</summary>
    protected abstract int ViewsPerItem { get; }
    /// <summary>Training order: reshuffled every epoch; otherwise fixed.</summary>
    protected abstract bool Shuffle { get; }
    protected abstract TWorker NewWorker();
    /// <summary>The file a sample reads (the skip key), its id and label.</summary>
    protected abstract (string Path, string Id, long Label) Describe(int item);
    /// <summary>One view of one sample as a tensor; may throw for a bad sample, which is then skipped.</summary>
    protected abstract Tensor View(TWorker worker, int item, int view, Random rng);

    /// <summary>Samples that failed, with the reason: the skip report at the end of a run.</summary>
    public IReadOnlyDictionary<string, string> Skipped => bad;
    public long SkippedViews => Interlocked.Read(ref skippedViews);

    public string Summary() => bad.IsEmpty ? $"no {noun}s skipped"
        : $"{bad.Count} {noun}(s) skipped ({SkippedViews} views): {string.Join("; ", bad.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}: {p.Value}"))}";

    /// <summary>
    /// (item, view) pairs of an epoch in order: shuffled items for training, every view of every item for test. With
    /// <see cref="LoaderOptions.Repetitions"/> R &gt; 1 (training), each shuffled item R times in a row as views 0 … R−1 (so
    /// each repeat draws its own augmentation), cut to ⌊n / 256⌋ · 256 pairs, as torchvision's RASampler.
    /// Data parallel (<see cref="LoaderOptions.Ranks"/> &gt; 1): this rank's <see cref="Shard"/> of it.
    /// </summary>
    public IReadOnlyList<(int Item, int View)> Order(int epoch)
    {
        var items = Enumerable.Range(0, Count).ToArray();
        var shard = Options.Shard;
        if (!Shuffle)
            return [.. items.Where(shard.Evaluates).SelectMany(i => Enumerable.Range(0, ViewsPerItem).Select(v => (i, v)))];
        new Random(Seeds.Mix(Options.Seed, epoch, 0x5ff1e)).Shuffle(items);
        // A sample's training views stay together on one rank, as VideoMAE's num_sample views of one dataset item;
        // RASampler instead deals out the repeats themselves, so each rank sees a different augmentation of an image.
        if (!Repeated) return [.. shard.Training(items).SelectMany(i => Enumerable.Range(0, ViewsPerItem).Select(v => (i, v)))];
        var repeats = items.SelectMany(i => Enumerable.Range(0, Options.Repetitions).Select(r => (i, r))).ToList();
        return [.. shard.Training(repeats).Take(Length)];
    }

    bool Repeated => Shuffle && Options.Repetitions > 1;

    /// <summary>
    /// This rank's pairs per epoch: items × views, or with repeated augmentation ⌊n / 256⌋ · 256 (n when there are fewer than 256),
    /// as the <see cref="Shard"/> divides them.
    /// </summary>
    int Length
    {
        get
        {
            var shard = Options.Shard;
            if (!Shuffle) return shard.EvaluationCount(Count) * ViewsPerItem;
            // torchvision's RASampler on P processes: ⌊n / 256⌋ · 256 / P of each rank's strided repeats.
            if (Repeated) return (Count >= 256 ? Count / 256 * 256 : Count) / shard.Ranks;
            return shard.TrainingCount(Count) * ViewsPerItem;
        }
    }

    public int BatchesPerEpoch(int epoch = 0)
    {
        int n = Length, b = Options.BatchSize;
        return Options.DropLast ? n / b : (n + b - 1) / b;
    }

    public IEnumerable<Batch> Epoch(int epoch, CancellationToken cancel = default)
    {
        Options.Shard.Validate();
        if (Options.BatchSize < 1 || Options.Workers < 1 || Options.QueueDepth < 1)
            throw new ArgumentException($"loader needs batch size, workers and queue depth >= 1 (got {Options.BatchSize}, {Options.Workers}, {Options.QueueDepth})");
        var order = Order(epoch);
        int batches = BatchesPerEpoch(epoch);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var queues = Enumerable.Range(0, Options.Workers)
            .Select(_ => Channel.CreateBounded<Batch?>(new BoundedChannelOptions(Options.QueueDepth) { SingleReader = true, SingleWriter = true }))
            .ToArray();
        var workers = Enumerable.Range(0, Options.Workers)
            .Select(w => Task.Factory.StartNew(() => Work(w, epoch, order, batches, queues[w].Writer, stop.Token),
                stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default))
            .ToArray();
        try
        {
            for (int b = 0; b < batches; b++)
            {
                var reader = queues[b % Options.Workers].Reader;
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
                // Data-parallel training: the ranks step together, so an all-failed batch still takes its place.
                else if (Shuffle && Options.Ranks > 1) yield return Batch.Empty(b);
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
        var state = NewWorker();
        try
        {
            for (int b = worker; b < batches; b += Options.Workers)
            {
                var batch = Build(b, epoch, order, state, cancel);
                try { queue.WriteAsync(batch, cancel).AsTask().GetAwaiter().GetResult(); }
                catch { batch?.Dispose(); throw; }
            }
            queue.TryComplete();
        }
        catch (OperationCanceledException) { queue.TryComplete(); }
        catch (Exception e) { queue.TryComplete(e); }
        finally { state.Dispose(); }
    }

    Batch? Build(int b, int epoch, IReadOnlyList<(int Item, int View)> order, TWorker state, CancellationToken cancel)
    {
        using var scope = NewDisposeScope();
        var views = new List<Tensor>();
        var ids = new List<string>();
        var viewIds = new List<int>();
        var labels = new List<long>();
        int start = b * Options.BatchSize, end = Math.Min(order.Count, start + Options.BatchSize);
        for (int u = start; u < end; u++)
        {
            cancel.ThrowIfCancellationRequested();
            var (i, v) = order[u];
            var (path, id, label) = Describe(i);
            if (bad.ContainsKey(path)) { Interlocked.Increment(ref skippedViews); continue; }
            var rng = new Random(Seeds.Mix(Options.Seed, epoch, i, v));
            try { views.Add(View(state, i, v, rng)); }
            // Whatever one sample throws (decoder, tensor allocation, transform) costs that sample only; a
            // cancellation or running out of memory is not the sample's fault and stops the epoch.
            catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException))
            {
                Interlocked.Increment(ref skippedViews);
                if (bad.TryAdd(path, e.Message)) log.LogWarning("skipping unreadable {Noun} {Path}: {Reason}", noun, path, e.Message);
                continue;
            }
            ids.Add(id);
            viewIds.Add(v);
            labels.Add(label);
        }
        if (views.Count == 0) return null;
        var stacked = stack(views).MoveToOuterDisposeScope();
        var labelT = tensor(labels.ToArray(), ScalarType.Int64).MoveToOuterDisposeScope();
        return new Batch(b, stacked, labelT, ids, viewIds);
    }
}
