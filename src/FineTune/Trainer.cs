using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using VideoVCReg.Models.Regularization;
using VideoVCReg.Runtime;
using VideoVCReg.Runtime.Data;
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
        int syncedNorms = Prepare(data, outDir);
        var groups = ParameterGroups.For(model, options.WeightDecay, options.LayerDecay);
        var optimizer = Optimizers.Create(options, groups);
        using var ema = options.EmaDecay is null ? null : new WeightAverage(model, WeightAverage.AdjustedDecay(options));
        int k = options.UpdateFreq, stepsPerEpoch = OptimizerStepsPerEpoch(data);
        var schedule = LrSchedule.For(options, stepsPerEpoch);
        var objective = Objective ?? new Objectives.SupervisedObjective(model, options, Seed);
        bool parallel = Group.Size > 1, agreeBeforeStep = AgreeBeforeStep(objective, syncedNorms);
        var trainable = groups.SelectMany(g => g.Parameters).ToList();
        var scaler = options.AutocastType == ScalarType.Float16 ? new LossScaler(InitialLossScale) : null;
        using var reducer = new GradientBuckets(Group, trainable);
        var metrics = new MetricsFile(outDir, WriteMetrics && Group.IsWriter);
        var checkpoints = new EpochCheckpoints(outDir, SaveCheckpoint, Group.IsWriter);
        var start = Start(resumeFrom, outDir, metrics, checkpoints, optimizer, scaler, ema);
        // Opened once the run is known to go ahead: an event file is a new file in the run folder.
        var board = TensorBoardDir is null || !Group.IsWriter ? null : new EpochBoard(TensorBoardDir);
        var (onStep, clock, step) = (Group.IsWriter ? OnStep : null, new ProgressClock(options.Epochs, stepsPerEpoch, start.Step), start.Step);
        for (int epoch = start.Epoch; epoch < options.Epochs; epoch++)
        {
            var tally = new EpochTally();
            model.train();
            using (var attached = AttachRegularizer())
            {
                int micro = 0;
                foreach (var next in tally.Timed(data.Epoch(epoch, cancel)))
                {
                    using var batch = next;
                    using var scope = NewDisposeScope();
                    cancel.ThrowIfCancellationRequested();
                    if (micro / k >= stepsPerEpoch) break; // the dropped incomplete group
                    if (micro % k == 0) tally.UseLr(StartStep(optimizer, groups, schedule.At(step)));
                    if (agreeBeforeStep && SomeRankEmpty(batch.Count)) { WarnEmpty(epoch, batch.Index); continue; }
                    var (loss, value, sums) = Forward(objective, attached, batch, epoch, micro);
                    if (sums.NonFinite) throw new NonFiniteLossException(epoch, tally.Steps, parallel ? double.NaN : value, checkpoints.LastGood, hint: DivergenceHint);
                    if (sums.Empty) { WarnEmpty(epoch, batch.Index); continue; }
                    Backward(loss!, attached, scaler);
                    micro++;
                    tally.Add(sums);
                    if (micro % k != 0) continue;
                    if (parallel) { reducer.Average(); value = tally.StepLoss; }
                    tally.EndStep(applied: Apply(optimizer, trainable, scaler, epoch, tally.Steps, value, checkpoints.LastGood));
                    ema?.AfterStep(tally.Steps, options.EmaSteps, warmingUp: epoch < options.EffectiveWarmupEpochs);
                    step++;
                    board?.Step(step, value, tally.Lr);
                    onStep?.Invoke(clock.At(epoch, tally, value, step));
                }
                if (attached != null) attached.Regularizer.GradientScale = 1;
            }
            AllReduceSeconds += reducer.TakeSeconds();
            if (tally.Samples == 0) throw new InvalidOperationException($"epoch {epoch}: every training batch was empty (every sample failed to load; see the warnings above)");
            var (reg, val) = Score(epoch, ema, cancel);
            if (checkpoints.Enabled) EnsureFiniteWeights(epoch, tally.Steps, checkpoints.LastGood);
            var record = tally.Record(epoch, reg, val, checkpoints.Enabled ? checkpoints.LastPath : null);
            board?.Epoch(record);
            // Metrics first: a kill before the checkpoint leaves a line too many, which a resume drops; the other order loses one.
            metrics.Append(record);
            checkpoints.Write(val, ema, best => TrainingState.Capture(optimizer, epoch + 1, step, best, Settings, ema, scaler));
            LogEpoch(epoch, record, tally, scaler);
        }
        return metrics.Records;
    }

    /// <summary>
    /// One optimizer step per UpdateFreq micro-batches; a last, incomplete group of an epoch is dropped
    /// (VideoMAE carries its gradient into the next epoch's first step, unscaled by the lr it was meant for).
    /// </summary>
    int OptimizerStepsPerEpoch(TrainData data)
    {
        int k = options.UpdateFreq, steps = data.StepsPerEpoch / k;
        return steps >= 1 ? steps : throw new ArgumentException($"{data.StepsPerEpoch} batch(es) per epoch make no optimizer step at --update-freq {k}");
    }

    /// <summary>
    /// A forward that talks to the other ranks (a gathered loss, synchronised batch norms) must run on every rank or on
    /// none, so an empty batch is agreed on before it rather than after.
    /// </summary>
    bool AgreeBeforeStep(Objectives.ITrainingObjective objective, int syncedNorms) =>
        Group.Size > 1 && (objective.Collective || syncedNorms > 0 || Regularization?.Regularizer.CollectiveForward == true);

    ResumePoint Start(string? resumeFrom, string outDir, MetricsFile metrics, EpochCheckpoints checkpoints, optim.Optimizer optimizer, LossScaler? scaler, WeightAverage? ema)
    {
        if (resumeFrom is null) return ResumePoint.StartOver(metrics, checkpoints);
        var start = ResumePoint.Resume(resumeFrom, outDir, Settings, metrics, checkpoints, optimizer, scaler, ema);
        log.LogInformation("resuming {Dir} after epoch {Epoch} of {Epochs} (step {Step})", outDir, start.Epoch, options.Epochs, start.Step);
        return start;
    }

    /// <summary>Checks the run's inputs, puts the model on its device and precision, starts every rank from rank 0's weights; returns the batch norms synchronised.</summary>
    int Prepare(TrainData data, string outDir)
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
        return syncedNorms;
    }

    AttachedRegularizer? AttachRegularizer()
    {
        var attached = Regularization is { } r && r.Placement != Placement.None ? AttachedRegularizer.Attach(model, r.Regularizer, r.Placement) : null;
        if (attached != null) attached.Regularizer.GradientScale = 1.0 / options.UpdateFreq;
        return attached;
    }

    /// <summary>The first micro-batch of an optimizer step: every group's lr (times its layer scale), gradients cleared.</summary>
    static double StartStep(optim.Optimizer optimizer, IReadOnlyList<ParameterGroup> groups, double lr)
    {
        for (int g = 0; g < groups.Count; g++) optimizer.ParamGroups.ElementAt(g).LearningRate = lr * groups[g].LrScale;
        optimizer.zero_grad();
        return lr;
    }

    void WarnEmpty(int epoch, int batch)
    {
        if (Group.IsWriter) log.LogWarning("epoch {Epoch}: a process had no readable sample in batch {Batch}; the batch is skipped on every process", epoch + 1, batch);
    }

    /// <summary>The micro-batch's loss (null when this rank's share is empty), its value, and the numbers every rank agrees on.</summary>
    (Tensor? Loss, double Value, MicroBatchSums Sums) Forward(Objectives.ITrainingObjective objective, AttachedRegularizer? attached, Batch batch, int epoch, int micro)
    {
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
        return (loss, value, MicroBatchSums.Reduce(Group, value, right, batch.Count));
    }

    void Backward(Tensor loss, AttachedRegularizer? attached, LossScaler? scaler)
    {
        int k = options.UpdateFreq;
        var share = k == 1 ? loss : loss / k;
        if (scaler is not null)
        {
            // float16: the loss scaled before its backward, and the fast VCReg's analytic gradient with it.
            if (attached != null) attached.Regularizer.GradientScale = scaler.Scale / k;
            share = share * scaler.Scale;
        }
        share.backward();
        attached?.Regularizer.AfterBackward();
        BackwardFailure.ThrowIfAny();
    }

    /// <summary>
    /// The optimizer step, unless float16's scaled gradients overflowed: then the step is skipped and the scale backs off
    /// (GradScaler), while the step count and the schedule still advance, as VideoMAE's loop counts its iterations.
    /// </summary>
    bool Apply(optim.Optimizer optimizer, IReadOnlyList<TorchSharp.Modules.Parameter> trainable, LossScaler? scaler, int epoch, int steps, double loss, string? lastGood)
    {
        if (scaler is not null && !scaler.Unscale(trainable)) return false;
        // The fast VCReg's gradient is not in the loss, so a finite loss does not prove finite gradients.
        double norm = options.ClipGrad is double clip ? nn.utils.clip_grad_norm_(trainable, clip) : GradientNorm.Of(trainable);
        if (!double.IsFinite(norm)) throw new NonFiniteLossException(epoch, steps, loss, lastGood, $"gradient norm is {norm}", DivergenceHint);
        optimizer.step();
        return true;
    }

    /// <summary>
    /// The epoch's regularizer statistics and the caller's validation; with a weight average the average is scored too
    /// (keys ema_…), as torchvision's "Test: EMA", while "best" still follows the trained weights.
    /// </summary>
    (IReadOnlyDictionary<string, double> Regularizer, IReadOnlyDictionary<string, double> Validation) Score(int epoch, WeightAverage? ema, CancellationToken cancel)
    {
        var reg = Regularization?.Regularizer.TakeStats() ?? new Dictionary<string, double>();
        // BatchNorm's running statistics come from each rank's own shard: rank 0's, everywhere, before anything is scored or
        // saved (DDP's broadcast_buffers), so every rank validates and tests the model rank 0 writes.
        if (Group.Size > 1) SynchroniseBuffers();
        var val = Validate?.Invoke(epoch, cancel) ?? new Dictionary<string, double>();
        if (ema is null || Validate is null) return (reg, val);
        using (ema.SwapIn())
            return (reg, val.Concat(Validate(epoch, cancel).Select(kv => new KeyValuePair<string, double>($"ema_{kv.Key}", kv.Value))).ToDictionary());
    }

    void LogEpoch(int epoch, EpochRecord record, EpochTally tally, LossScaler? scaler)
    {
        if (!Group.IsWriter) return;
        if (tally.Skipped > 0)
            log.LogInformation("epoch {Epoch}: {Skipped} of {Steps} steps skipped for float16 gradient overflow; loss scale now {Scale}", epoch + 1, tally.Skipped, tally.Steps, scaler!.Scale);
        log.LogInformation("epoch {Epoch}/{Epochs}: loss {Loss:F4}, train acc {Acc:P1}, {Steps} steps, {Seconds:F1}s ({Wait:P0} waiting for data){Val}",
            epoch + 1, options.Epochs, record.TrainLoss, record.TrainAccuracy, tally.Steps, record.Seconds, record.DataWaitShare,
            record.Validation.Count == 0 ? "" : ", validation " + string.Join(", ", record.Validation.Select(kv => $"{kv.Key} {kv.Value:G4}")));
    }

    /// <summary>float16 training's starting loss scale (GradScaler's 2¹⁶); tests start it high to force overflows.</summary>
    public double InitialLossScale { get; init; } = 65536.0;

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

    void EnsureFiniteWeights(int epoch, int steps, string? lastGood)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var (name, p) in model.named_parameters())
            if (!isfinite(p).all().item<bool>())
                throw new NonFiniteLossException(epoch, steps - 1, double.NaN, lastGood, $"parameter {name} is not finite", DivergenceHint);
    }
}
