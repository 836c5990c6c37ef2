using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using VideoVCReg.Models.Regularization;
using VideoVCReg.Runtime;
using VideoVCReg.Runtime.Distributed;
using VideoVCReg.Runtime.IO;
using static TorchSharp.torch;

namespace VideoVCReg.FineTune;

/// <summary>
/// The one training loop, for video and image models alike: the recipe's optimizer (<see cref="Optimizers"/>) over <see cref="ParameterGroups"/>, the
/// per-step <see cref="LrSchedule"/>, the objective's loss (<see cref="Objectives.ITrainingObjective"/>: classification by default) plus any explicit regularizer loss
/// (the fast VCReg adds its gradient in the backward instead), optional gradient clipping.
/// After each epoch: the caller's validation, then `checkpoint-last.pth` (and `checkpoint-best.pth` when
/// validation top-1 improves), each written to a temporary file and renamed, and one line of metrics.jsonl.
/// A non-finite loss stops the run before its step touches the weights (<see cref="NonFiniteLossException"/>);
/// a checkpoint is never written from non-finite weights.
/// </summary>
public sealed class Trainer(Models.Network model, TrainOptions options, Device device, ILogger? log = null)
{
    readonly ILogger log = log ?? NullLogger.Instance;

    /// <summary>The regularizer and where it sits; attached for training steps only.</summary>
    public (FeatureRegularizer Regularizer, Placement Placement)? Regularization { get; init; }

    string? DivergenceHint => Regularization is { } r ? r.Regularizer.DivergenceHint(r.Placement) : null;

    /// <summary>Returns validation metrics for an epoch (top1 in [0, 1] is the one "best" follows); null: none.</summary>
    public Func<int, CancellationToken, IReadOnlyDictionary<string, double>>? Validate { get; init; }

    /// <summary>
    /// Writes the model to a path, atomically (<see cref="AtomicFile"/>), with the training state
    /// beside it when given (checkpoint-last). Null: no checkpoints.
    /// </summary>
    public Action<string, IReadOnlyDictionary<string, System.Collections.Hashtable>?>? SaveCheckpoint { get; init; }

    /// <summary>Folder for TensorBoard event files (per optimizer step: loss, lr; per epoch: every metrics.jsonl number); null: none.</summary>
    public string? TensorBoardDir { get; init; }

    /// <summary>Called after every optimizer step, for progress displays (never for logic: a resume skips the calls of done epochs).</summary>
    public Action<StepProgress>? OnStep { get; init; }

    /// <summary>What the loop minimises; null: classification (<see cref="Objectives.SupervisedObjective"/>).</summary>
    public Objectives.ITrainingObjective? Objective { get; init; }

    /// <summary>Seeds the mixup draws, per (epoch, micro-batch), so they repeat on a resume.</summary>
    public int Seed { get; init; }

    /// <summary>
    /// Write metrics.jsonl (default). Off only for throwaway runs that keep the returned records and no checkpoint
    /// (the two-moons demonstration's sixty small runs, where a synced file per epoch would cost more than the training).
    /// </summary>
    public bool WriteMetrics { get; init; } = true;

    /// <summary>The run's effective settings as JSON; a resume with other settings is refused.</summary>
    public string Settings { get; init; } = "{}";

    /// <summary>
    /// The processes of a data-parallel run. Each trains on its own share of every batch (the data source's loaders
    /// shard it); the weights start as rank 0's, gradients are averaged (<see cref="GradientBuckets"/>), the epoch's
    /// numbers are summed over the ranks, and only rank 0 writes metrics, checkpoints, TensorBoard and progress.
    /// </summary>
    public ProcessGroup Group { get; init; } = ProcessGroup.Single;

    /// <summary>
    /// Trains from the first epoch, or, with <paramref name="resumeFrom"/> (a checkpoint-last.pth holding
    /// <see cref="TrainingState"/>), from the epoch after the one it saved: optimizer moments, step, best
    /// top-1, torch's random state and metrics.jsonl continue, so the run equals one never interrupted.
    /// The caller builds the model from that checkpoint's weights.
    /// </summary>
    public List<EpochRecord> Fit(TrainData data, string outDir, CancellationToken cancel = default, string? resumeFrom = null)
    {
        if (options.Problems() is { Count: > 0 } problems) throw new ArgumentException(string.Join("; ", problems));
        if (data.StepsPerEpoch < 1) throw new ArgumentException("the training set gives no batch: nothing to train on");
        bool writer = Group.IsWriter, parallel = Group.Size > 1;
        if (writer) Directory.CreateDirectory(outDir);
        model.to(device);
        ToPrecision(model, options.ParameterType);
        if (options.Amp && device.type == DeviceType.CPU && writer && Environment.GetEnvironmentVariable(OneDnnIsa.Variable) is { Length: > 0 } isa)
            log.LogInformation("--amp on a CPU with {Variable}={Isa}", OneDnnIsa.Variable, isa);
        else if (options.Amp && device.type == DeviceType.CPU && writer)
            log.LogWarning("--amp on a CPU without {Variable}=AVX2: oneDNN's AVX-512 bfloat16 convolutions are wrong for some shapes on some CPUs (set it; the videovcreg command does when its configuration turns --amp on)", OneDnnIsa.Variable);
        if (parallel) Synchronise();
        int syncedNorms = parallel && options.SyncBatchNorm ? Models.Norms.BatchNorm.Synchronise(model, Group) : 0;
        if (parallel && options.SyncBatchNorm && syncedNorms == 0)
            log.LogWarning("--sync-bn: {Model} has no batch norm to synchronise", model.GetName());
        var groups = ParameterGroups.For(model, options.WeightDecay, options.LayerDecay);
        var optimizer = Optimizers.Create(options, groups);
        using var ema = options.EmaDecay is null ? null : new WeightAverage(model, WeightAverage.AdjustedDecay(options));
        // One optimizer step per UpdateFreq micro-batches; a last, incomplete group of an epoch is dropped
        // (VideoMAE carries its gradient into the next epoch's first step, unscaled by the lr it was meant for).
        int k = options.UpdateFreq, stepsPerEpoch = data.StepsPerEpoch / k;
        if (stepsPerEpoch < 1) throw new ArgumentException($"{data.StepsPerEpoch} batch(es) per epoch make no optimizer step at --update-freq {k}");
        var schedule = new LrSchedule(options.PeakLr, options.MinLr, options.Epochs * stepsPerEpoch,
            (int)Math.Round(options.EffectiveWarmupEpochs * stepsPerEpoch), options.WarmupStart);
        var objective = Objective ?? new Objectives.SupervisedObjective(model, options, Seed);
        // A forward that talks to the other ranks (a gathered loss, synchronised batch norms) must run on every rank or on
        // none, so an empty batch is agreed on before it rather than after.
        bool agreeBeforeStep = parallel && (objective.Collective || syncedNorms > 0 || Regularization?.Regularizer.CollectiveForward == true);
        var onStep = writer ? OnStep : null;
        bool writeMetrics = WriteMetrics && writer;
        var trainable = groups.SelectMany(g => g.Parameters).ToList();
        var scaler = options.AutocastType == ScalarType.Float16 ? new LossScaler(InitialLossScale) : null;
        using var reducer = new GradientBuckets(Group, trainable);
        var metricsPath = Path.Combine(outDir, "metrics.jsonl");
        var lines = new List<string>();
        var records = new List<EpochRecord>();
        string? lastGood = null;
        double bestTop1 = double.NegativeInfinity;
        int step = 0, first = 0;
        if (resumeFrom is not null)
        {
            var state = TrainingState.Read(resumeFrom) ?? throw new InvalidDataException($"{resumeFrom}: holds weights only, no training state to resume from");
            if (state.Settings != Settings)
                throw new InvalidOperationException($"{outDir}: the unfinished run there used other settings ({SettingsDiff(state.Settings, Settings)}); repeat its options, or --force to start over");
            var done = File.Exists(metricsPath) ? File.ReadAllLines(metricsPath).Where(l => l.Trim().Length > 0).ToList() : [];
            if (done.Count < state.EpochsDone)
                throw new InvalidDataException($"{metricsPath}: {done.Count} epoch(s) recorded, the checkpoint has {state.EpochsDone}");
            // Lines past the checkpoint belong to an epoch whose weights were lost with the process: it runs again.
            lines.AddRange(done.Take(state.EpochsDone));
            for (int i = 0; i < lines.Count; i++)
            {
                try { records.Add(JsonSerializer.Deserialize<EpochRecord>(lines[i], JsonOptions) ?? throw new JsonException("null")); }
                catch (JsonException e) { throw new InvalidDataException($"{metricsPath}: line {i + 1} is not an epoch record ({e.Message}); --force starts the run over"); }
            }
            state.Restore(optimizer, resumeFrom);
            if (scaler is not null)
            {
                if (state.LossScale is not double scale) throw new InvalidDataException($"{resumeFrom}: holds no loss scale to resume float16 training from");
                scaler.Restore(scale, state.LossScaleGrowth);
            }
            if (ema is not null)
            {
                if (state.Ema is null) throw new InvalidDataException($"{resumeFrom}: holds no weight average to resume it from");
                ema.Load(state.Ema, state.EmaCount, resumeFrom);
            }
            (first, step, bestTop1, lastGood) = (state.EpochsDone, state.Step, state.BestTop1, resumeFrom);
            log.LogInformation("resuming {Dir} after epoch {Epoch} of {Epochs} (step {Step})", outDir, first, options.Epochs, step);
        }
        else
        {
            // A new run owns the folder's metrics and best checkpoint: nothing from an earlier run may mix in.
            if (writeMetrics) AtomicFile.WriteText(metricsPath, "");
            if (writer)
            {
                File.Delete(Path.Combine(outDir, "checkpoint-best.pth"));
                File.Delete(Path.Combine(outDir, "checkpoint-ema.pth"));
            }
        }
        // Opened once the run is known to go ahead: an event file is a new file in the run folder.
        var board = TensorBoardDir is null || !writer ? null : new EpochBoard(TensorBoardDir);
        var runWatch = Stopwatch.StartNew();
        int startStep = step;
        for (int epoch = first; epoch < options.Epochs; epoch++)
        {
            var watch = Stopwatch.StartNew();
            var waiting = TimeSpan.Zero;
            double lossSum = 0, lrMax = 0, lr = 0;
            long correct = 0, samples = 0;
            // This step's sums over its micro-batches (and, data parallel, over the ranks): loss × samples, right, samples.
            var stepSums = new double[3];
            int steps = 0, skipped = 0;
            model.train();
            using (var attached = Regularization is { } r && r.Placement != Placement.None
                       ? AttachedRegularizer.Attach(model, r.Regularizer, r.Placement) : null)
            {
                if (attached != null) attached.Regularizer.GradientScale = 1.0 / k;
                int micro = 0;
                using var batches = data.Epoch(epoch, cancel).GetEnumerator();
                while (true)
                {
                    // Time blocked on the loader: the share of it says whether decoding keeps up with the model.
                    var asked = watch.Elapsed;
                    if (!batches.MoveNext()) break;
                    waiting += watch.Elapsed - asked;
                    using var batch = batches.Current;
                    using var scope = NewDisposeScope();
                    cancel.ThrowIfCancellationRequested();
                    if (micro / k >= stepsPerEpoch) break; // the dropped incomplete group
                    if (micro % k == 0)
                    {
                        lr = schedule.At(step);
                        lrMax = Math.Max(lrMax, lr);
                        for (int g = 0; g < groups.Count; g++) optimizer.ParamGroups.ElementAt(g).LearningRate = lr * groups[g].LrScale;
                        optimizer.zero_grad();
                    }
                    if (agreeBeforeStep && SomeRankEmpty(batch.Count))
                    {
                        if (writer) log.LogWarning("epoch {Epoch}: a process had no readable sample in batch {Batch}; the batch is skipped on every process", epoch + 1, batch.Index);
                        continue;
                    }
                    Tensor? loss = null;
                    double value = 0;
                    long right = 0;
                    if (batch.Count > 0)
                    {
                        var x = batch.Inputs.to(device);
                        if (x.is_floating_point() && x.dtype != options.ParameterType) x = x.to_type(options.ParameterType);
                        var y = batch.Labels.to(device);
                        using (Autocast.Enter(options.AutocastType))
                        {
                            (loss, right) = objective.Step(x, y, epoch, micro);
                            if (attached?.Regularizer.TakeLoss() is Tensor extra) loss = loss + extra;
                        }
                        value = loss.ToDouble();
                    }
                    // This micro-batch's loss × samples, right, samples, non-finite losses, empty batches; data parallel, summed over
                    // the ranks before any backward, so that every rank takes the same branch below and reaches the same collectives.
                    var sums = new[] { value * batch.Count, right, batch.Count, batch.Count > 0 && !double.IsFinite(value) ? 1 : 0, batch.Count == 0 ? 1 : 0 };
                    if (parallel) Group.AllReduceSum(sums);
                    if (sums[3] > 0) throw new NonFiniteLossException(epoch, steps, parallel ? double.NaN : value, lastGood, hint: DivergenceHint);
                    if (sums[4] > 0)
                    {
                        // A rank whose every sample failed to load: the micro-batch is left out on all ranks alike.
                        if (writer) log.LogWarning("epoch {Epoch}: a process had no readable sample in batch {Batch}; the batch is skipped on every process", epoch + 1, batch.Index);
                        continue;
                    }
                    var share = k == 1 ? loss! : loss! / k;
                    if (scaler is not null)
                    {
                        // float16: the loss scaled before its backward, and the fast VCReg's analytic gradient with it.
                        if (attached != null) attached.Regularizer.GradientScale = scaler.Scale / k;
                        share = share * scaler.Scale;
                    }
                    share.backward();
                    attached?.Regularizer.AfterBackward();
                    BackwardFailure.ThrowIfAny();
                    micro++;
                    // The epoch's numbers count every trained micro-batch (a last, incomplete group's too, as before).
                    lossSum += sums[0];
                    correct += (long)sums[1];
                    samples += (long)sums[2];
                    for (int i = 0; i < 3; i++) stepSums[i] += sums[i];
                    if (micro % k != 0) continue;
                    if (parallel)
                    {
                        reducer.Average();
                        value = stepSums[0] / stepSums[2];
                    }
                    Array.Clear(stepSums);
                    // float16: a step whose scaled gradients overflowed is skipped and the scale backs off (GradScaler); the
                    // step and the schedule still advance, as VideoMAE's loop counts its iterations.
                    if (scaler is null || Unscaled(scaler, trainable))
                    {
                        // The fast VCReg's gradient is not in the loss, so a finite loss does not prove finite gradients.
                        double norm = options.ClipGrad is double clip
                            ? nn.utils.clip_grad_norm_(trainable, clip)
                            : GradientNorm(trainable);
                        if (!double.IsFinite(norm)) throw new NonFiniteLossException(epoch, steps, value, lastGood, $"gradient norm is {norm}", DivergenceHint);
                        optimizer.step();
                    }
                    else skipped++;
                    steps++;
                    // torchvision: an update at batch 0, EmaSteps, 2·EmaSteps, … of each epoch; in the warm-up the average restarts.
                    if (ema is not null && (steps - 1) % options.EmaSteps == 0)
                    {
                        ema.Update();
                        if (epoch < options.EffectiveWarmupEpochs) ema.Restart();
                    }
                    step++;
                    board?.Step(step, value, lr);
                    onStep?.Invoke(new StepProgress(epoch, options.Epochs, steps, stepsPerEpoch, value, lr, samples / watch.Elapsed.TotalSeconds,
                        step - startStep, options.Epochs * stepsPerEpoch - startStep, runWatch.Elapsed));
                }
                if (attached != null) attached.Regularizer.GradientScale = 1;
            }
            AllReduceSeconds += reducer.TakeSeconds();
            if (samples == 0) throw new InvalidOperationException($"epoch {epoch}: every training batch was empty (every sample failed to load; see the warnings above)");
            var reg = Regularization?.Regularizer.TakeStats() ?? new Dictionary<string, double>();
            // BatchNorm's running statistics come from each rank's own shard: rank 0's, everywhere, before anything is scored or
            // saved (DDP's broadcast_buffers), so every rank validates and tests the model rank 0 writes.
            if (parallel) SynchroniseBuffers();
            var val = Validate?.Invoke(epoch, cancel) ?? new Dictionary<string, double>();
            if (ema is not null && Validate is not null)
            {
                // The average scored too, as torchvision's "Test: EMA"; "best" still follows the trained weights.
                using (ema.SwapIn())
                    val = val.Concat(Validate(epoch, cancel).Select(kv => new KeyValuePair<string, double>($"ema_{kv.Key}", kv.Value))).ToDictionary();
            }
            var lastPath = Path.Combine(outDir, "checkpoint-last.pth");
            if (SaveCheckpoint != null) EnsureFiniteWeights(epoch, steps, lastGood);
            var record = new EpochRecord(epoch, steps, (int)samples, lossSum / samples, (double)correct / samples, lrMax,
                watch.Elapsed.TotalSeconds, reg, val, SaveCheckpoint != null ? lastPath : null, waiting.TotalSeconds / watch.Elapsed.TotalSeconds);
            board?.Epoch(record);
            records.Add(record);
            // Metrics first, then the checkpoint: a run killed between the two has a line too many, which a
            // resume drops and recomputes; the other order would lose an epoch's line for good. The file is
            // rewritten whole (it is small), so a kill while writing leaves the previous epochs intact.
            lines.Add(JsonSerializer.Serialize(record, JsonOptions));
            if (writeMetrics) AtomicFile.WriteText(metricsPath, string.Join("\n", lines) + "\n");
            if (SaveCheckpoint != null)
            {
                // Every rank keeps the same books (validation is gathered), so all agree on "best"; rank 0 alone writes.
                if (val.TryGetValue("top1", out var top1) && top1 > bestTop1)
                {
                    bestTop1 = top1;
                    if (writer) SaveCheckpoint(Path.Combine(outDir, "checkpoint-best.pth"), null);
                }
                if (ema is not null && writer)
                    using (ema.SwapIn()) SaveCheckpoint(Path.Combine(outDir, "checkpoint-ema.pth"), null);
                if (writer) SaveCheckpoint(lastPath, TrainingState.Capture(optimizer, epoch + 1, step, bestTop1, Settings, ema, scaler));
                lastGood = lastPath;
            }
            if (writer && skipped > 0)
                log.LogInformation("epoch {Epoch}: {Skipped} of {Steps} steps skipped for float16 gradient overflow; loss scale now {Scale}", epoch + 1, skipped, steps, scaler!.Scale);
            if (writer) log.LogInformation("epoch {Epoch}/{Epochs}: loss {Loss:F4}, train acc {Acc:P1}, {Steps} steps, {Seconds:F1}s ({Wait:P0} waiting for data){Val}",
                epoch + 1, options.Epochs, record.TrainLoss, record.TrainAccuracy, steps, record.Seconds, record.DataWaitShare,
                val.Count == 0 ? "" : ", validation " + string.Join(", ", val.Select(kv => $"{kv.Key} {kv.Value:G4}")));
        }
        return records;
    }

    /// <summary>float16 training's starting loss scale (GradScaler's 2¹⁶); tests start it high to force overflows.</summary>
    public double InitialLossScale { get; init; } = 65536.0;

    /// <summary>
    /// After a float16 step's backward: when every gradient is finite, divides them by the scale they were computed at and
    /// returns true; otherwise leaves them and returns false. Either way the scaler records the outcome.
    /// </summary>
    static bool Unscaled(LossScaler scaler, IReadOnlyList<TorchSharp.Modules.Parameter> trainable)
    {
        double used = scaler.Scale;
        if (!scaler.Update(double.IsFinite(GradientNorm(trainable)))) return false;
        using (no_grad())
            foreach (var p in trainable) p.grad?.mul_(1.0 / used);
        return true;
    }

    /// <summary>How metrics.jsonl lines are written (snake_case), for readers of the file.</summary>
    public static readonly JsonSerializerOptions JsonOptions = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }.NonFiniteAsNull();

    /// <summary>
    /// Casts a model's floating tensors to <paramref name="type"/> when they are not already of it; a float32 run leaves the
    /// module tree alone (a cast rebuilds every parameter, and TorchSharp's move has failed on module types before: VitLayers).
    /// </summary>
    public static void ToPrecision(nn.Module model, ScalarType type)
    {
        if (model.parameters().Any(p => p.is_floating_point() && p.dtype != type)) model.to(type);
    }

    /// <summary>Rank 0's weights and buffers on every rank, as DDP does at construction (and after a resume: the same file anyway).</summary>
    void Synchronise()
    {
        using var _ = no_grad();
        foreach (var (_, t) in model.state_dict()) Group.Broadcast(t);
    }

    /// <summary>Whether any rank's micro-batch is empty (all its samples failed to load), agreed by all ranks.</summary>
    bool SomeRankEmpty(int count)
    {
        var empty = new[] { count == 0 ? 1.0 : 0.0 };
        Group.AllReduceSum(empty);
        return empty[0] > 0;
    }

    void SynchroniseBuffers()
    {
        using var _ = no_grad();
        foreach (var (_, b) in model.named_buffers()) Group.Broadcast(b);
    }

    /// <summary>Seconds this run spent averaging gradients over the ranks (data parallel), for `bench ddp`.</summary>
    public double AllReduceSeconds { get; private set; }

    static double GradientNorm(IEnumerable<TorchSharp.Modules.Parameter> parameters)
    {
        using var scope = NewDisposeScope();
        var norms = parameters.Where(p => p.grad is not null).Select(p => p.grad!.norm()).ToList();
        return norms.Count == 0 ? 0 : stack(norms).norm().ToDouble();
    }

    void EnsureFiniteWeights(int epoch, int steps, string? lastGood)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var (name, p) in model.named_parameters())
            if (!isfinite(p).all().item<bool>())
                throw new NonFiniteLossException(epoch, steps - 1, double.NaN, lastGood, $"parameter {name} is not finite", DivergenceHint);
    }

    /// <summary>The top-level settings whose values differ, for the refusal message.</summary>
    public static string SettingsDiff(string saved, string now)
    {
        try
        {
            using var a = JsonDocument.Parse(saved);
            using var b = JsonDocument.Parse(now);
            Dictionary<string, string> left = [], right = [];
            Flatten(a.RootElement, "", left);
            Flatten(b.RootElement, "", right);
            var keys = left.Keys.Union(right.Keys).Where(k => left.GetValueOrDefault(k) != right.GetValueOrDefault(k)).Order().ToList();
            return string.Join("; ", keys.Select(k => $"{k}: {left.GetValueOrDefault(k) ?? "unset"} then, {right.GetValueOrDefault(k) ?? "unset"} now"));
        }
        catch (JsonException) { return "unreadable saved settings"; }
    }

    /// <summary>Nested objects as dotted keys, so a difference names the one value that changed, not a whole section.</summary>
    static void Flatten(JsonElement e, string prefix, Dictionary<string, string> into)
    {
        if (e.ValueKind != JsonValueKind.Object || (prefix.Length > 0 && !e.EnumerateObject().Any())) { into[prefix] = e.GetRawText(); return; }
        foreach (var p in e.EnumerateObject()) Flatten(p.Value, prefix.Length == 0 ? p.Name : $"{prefix}.{p.Name}", into);
    }
}
