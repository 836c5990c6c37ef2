using VideoVCReg.Runtime;

namespace VideoVCReg.FineTune;

/// <summary>
/// The fine-tuning recipe. Optimizer and schedule follow VideoMAE's run_class_finetuning.py defaults: AdamW
/// (0.9, 0.999), base lr 1e-3 scaled by batch/256, layer decay 0.75, weight decay 0.05 (not on biases, norms,
/// position tables or tokens), label smoothing 0.1, 5 warm-up epochs from 1e-6 (at most a tenth of the run unless
/// set), then cosine to 1e-6, per step.
/// Epochs (50) and batch (8) are those of its HMDB51 scripts, which also change lr to 1e-3 or 5e-4 and layer
/// decay to 0.7. Mixup 0.8 / cutmix 1.0 (switch 0.5), repeated augmentation (2 views per video per step) and
/// gradient accumulation (<see cref="UpdateFreq"/>) are its defaults too; <see cref="DropPath"/> overrides the preset's.
/// </summary>
public sealed record TrainOptions
{
    public int Epochs { get; init; } = 50;
    public int BatchSize { get; init; } = 8;
    /// <summary>Base learning rate at batch 256; the applied peak is BaseLr · BatchSize / 256, as VideoMAE.</summary>
    public double BaseLr { get; init; } = 1e-3;
    public double MinLr { get; init; } = 1e-6;
    /// <summary>Linear warm-up in epochs; null: VideoMAE's 5, capped at a tenth of the run (its 5 of 50) so short runs work.</summary>
    public double? WarmupEpochs { get; init; }
    public double EffectiveWarmupEpochs => WarmupEpochs ?? Math.Min(5, Epochs / 10.0);
    /// <summary>
    /// Where the warm-up starts, as a share of the peak (torchvision's --lr-warmup-decay: 0.01 by default, 0.033 in its
    /// ViT recipes); null: VideoMAE's absolute 1e-6.
    /// </summary>
    public double? WarmupStartFactor { get; init; }
    public double WarmupStart => WarmupStartFactor is double f ? f * PeakLr : 1e-6;
    public double WeightDecay { get; init; } = 0.05;
    /// <summary>Per-layer lr factor: block i of L gets LayerDecay^(L+1−(i+1)); 1 turns it off.</summary>
    public double LayerDecay { get; init; } = 0.75;
    public double LabelSmoothing { get; init; } = 0.1;
    /// <summary>Gradient norm clip; null (VideoMAE's default) leaves gradients alone.</summary>
    public double? ClipGrad { get; init; }
    /// <summary>adamw (VideoMAE's), adam or sgd (<see cref="Optimizers"/>); recipes in configs/recipes choose.</summary>
    public string Optimizer { get; init; } = "adamw";
    /// <summary>SGD momentum (torchvision's ResNet recipes: 0.9).</summary>
    public double Momentum { get; init; } = 0.9;
    /// <summary>Nesterov momentum, SGD only.</summary>
    public bool Nesterov { get; init; }
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;
    /// <summary>Micro-batches per optimizer step (VideoMAE's --update_freq); the lr scales with the effective batch.</summary>
    public int UpdateFreq { get; init; } = 1;
    /// <summary>Mixup α (VideoMAE's --mixup 0.8); 0 with <see cref="Cutmix"/> 0 turns mixing off.</summary>
    public double Mixup { get; init; } = 0.8;
    /// <summary>Cutmix α (VideoMAE's --cutmix 1.0).</summary>
    public double Cutmix { get; init; } = 1.0;
    /// <summary>Probability that a batch is mixed at all (--mixup_prob 1.0).</summary>
    public double MixupProb { get; init; } = 1.0;
    /// <summary>Probability of cutmix rather than mixup when both are on (--mixup_switch_prob 0.5).</summary>
    public double MixupSwitchProb { get; init; } = 0.5;
    /// <summary>Views of each training video per step, each with its own augmentation (VideoMAE's --num_sample 2).</summary>
    public int RepeatedAugment { get; init; } = 2;
    /// <summary>Stochastic depth rate; null keeps the preset's (VideoMAE's --drop_path).</summary>
    public double? DropPath { get; init; }
    /// <summary>Which weights the test scores: "last" (the final epoch), "best" (best validation top-1) or "ema" (the weight average).</summary>
    public string TestWeights { get; init; } = "last";
    /// <summary>An exponential moving average of the weights with this decay (torchvision's --model-ema-decay, 0.99998 in its recipes); null: none.</summary>
    public double? EmaDecay { get; init; }
    /// <summary>Batches between two updates of the average (torchvision's --model-ema-steps 32).</summary>
    public int EmaSteps { get; init; } = 32;

    /// <summary>
    /// Processes of a data-parallel run (mpirun -np N); <see cref="BatchSize"/> stays per process, as in VideoMAE and DDP.
    /// Not a spec field: it is the world mpirun gives, and settings.json records it beside the spec (a run resumed on another
    /// number of processes would train on other global batches).
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int Ranks { get; init; } = 1;

    /// <summary>This process's rank among <see cref="Ranks"/>; not a setting (every rank's settings must read the same).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int Rank { get; init; }

    /// <summary>
    /// Data parallel: batch norms normalise with the statistics of every process's samples (PyTorch's SyncBatchNorm,
    /// torchvision's --sync-bn; SimCLR and VICReg train so); default each process's own, as DDP.
    /// </summary>
    public bool SyncBatchNorm { get; init; }

    /// <summary>
    /// The weights' and activations' type: "float32", or "float64" for exactness checks against references (the data-parallel
    /// proof compares parameters to 1e-10 in it). Inputs are cast to it.
    /// </summary>
    public string Precision { get; init; } = "float32";

    public static readonly string[] Precisions = ["float32", "float64"];

    /// <summary>
    /// Mixed precision (torchvision's and VideoMAE's --amp): the training forward's linear and convolution layers, and the
    /// attention behind them, run in <see cref="AmpDtype"/> over float32 weights (<see cref="Autocast"/>);
    /// gradients, the optimizer, the weight average and checkpoints stay float32, and validation and testing run in float32.
    /// </summary>
    public bool Amp { get; init; }

    /// <summary>
    /// --amp-dtype: bfloat16 (default; float32's exponent range, no loss scaling) or float16 (what torch.cuda.amp uses by
    /// default, for GPUs without fast bfloat16), trained with dynamic loss scaling (<see cref="LossScaler"/>).
    /// </summary>
    public string AmpDtype { get; init; } = "bfloat16";

    public static readonly string[] AmpDtypes = ["bfloat16", "float16"];

    /// <summary>The forward's low-precision type, or null without --amp.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public TorchSharp.torch.ScalarType? AutocastType =>
        !Amp ? null : AmpDtype == "float16" ? TorchSharp.torch.ScalarType.Float16 : TorchSharp.torch.ScalarType.BFloat16;

    [System.Text.Json.Serialization.JsonIgnore]
    public TorchSharp.torch.ScalarType ParameterType => Precision == "float64" ? TorchSharp.torch.ScalarType.Float64 : TorchSharp.torch.ScalarType.Float32;

    /// <summary>The samples of one optimizer step over all processes: batch × update_freq × processes.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int GlobalBatch => BatchSize * UpdateFreq * Ranks;

    /// <summary>VideoMAE's scaling: the effective batch (videos per step × update_freq × processes) over 256.</summary>
    public double PeakLr => BaseLr * GlobalBatch / 256.0;

    public Mixup MixupSettings => new(Mixup, Cutmix, MixupProb, MixupSwitchProb);

    public IReadOnlyList<string> Problems()
    {
        var p = new List<string>();
        if (!Precisions.Contains(Precision)) p.Add($"FineTune:Precision (--precision) must be one of {string.Join(", ", Precisions)} (got '{Precision}')");
        if (Amp && Precision != "float32") p.Add($"FineTune:Amp (--amp) runs low-precision products over float32 weights: it cannot be combined with --precision {Precision}");
        if (!AmpDtypes.Contains(AmpDtype)) p.Add($"FineTune:AmpDtype (--amp-dtype) must be one of {string.Join(", ", AmpDtypes)} (got '{AmpDtype}')");
        else if (!Amp && AmpDtype != "bfloat16") p.Add($"FineTune:AmpDtype (--amp-dtype {AmpDtype}) has no effect without --amp; add --amp");
        if (Epochs < 1) p.Add($"FineTune:Epochs (--epochs) must be ≥ 1 (got {Epochs})");
        if (BatchSize < 1) p.Add($"FineTune:BatchSize (--batch-size) must be ≥ 1 (got {BatchSize})");
        // Infinity and NaN pass a "> 0" test the wrong way or not at all; every rate must be a finite number.
        if (!(BaseLr > 0 && double.IsFinite(BaseLr))) p.Add($"FineTune:BaseLr (--lr) must be a finite number > 0 (got {BaseLr})");
        // Judged against the peak only when the peak itself is valid, so one bad setting gives one complaint.
        else if (BatchSize >= 1 && UpdateFreq >= 1 && !(MinLr >= 0 && MinLr <= PeakLr)) p.Add($"FineTune:MinLr (--min-lr) must be in [0, peak lr {PeakLr:G3}] (got {MinLr})");
        // VideoMAE's cosine_scheduler asserts the same: a warm-up as long as the run never reaches the peak.
        double warmup = EffectiveWarmupEpochs;
        if (!(warmup >= 0) || (warmup > 0 && warmup >= Epochs))
            p.Add($"FineTune:WarmupEpochs (--warmup-epochs) must be ≥ 0 and fewer than the {Epochs} epochs (got {warmup})");
        if (WarmupStartFactor is double wsf && !(wsf >= 0 && wsf <= 1)) p.Add($"FineTune:WarmupStartFactor (--warmup-start-factor) must be in [0, 1] (got {wsf})");
        if (!(WeightDecay >= 0 && double.IsFinite(WeightDecay))) p.Add($"FineTune:WeightDecay (--weight-decay) must be a finite number ≥ 0 (got {WeightDecay})");
        if (!(LayerDecay > 0 && LayerDecay <= 1)) p.Add($"FineTune:LayerDecay (--layer-decay) must be in (0, 1] (got {LayerDecay})");
        if (!(LabelSmoothing >= 0 && LabelSmoothing < 1)) p.Add($"FineTune:LabelSmoothing (--label-smoothing) must be in [0, 1) (got {LabelSmoothing})");
        if (ClipGrad is double clip && !(clip > 0 && double.IsFinite(clip))) p.Add($"FineTune:ClipGrad (--clip-grad) must be a finite number > 0 (got {ClipGrad})");
        if (!(Beta1 >= 0 && Beta1 < 1 && Beta2 >= 0 && Beta2 < 1)) p.Add($"FineTune:Beta1/Beta2 must be in [0, 1) (got {Beta1}, {Beta2})");
        if (!Optimizers.Names.Contains(Optimizer)) p.Add($"FineTune:Optimizer (--optimizer) must be one of {string.Join(", ", Optimizers.Names)} (got '{Optimizer}')");
        if (!(Momentum >= 0 && Momentum < 1)) p.Add($"FineTune:Momentum (--momentum) must be in [0, 1) (got {Momentum})");
        if (Nesterov && (Optimizer != "sgd" || Momentum == 0)) p.Add("FineTune:Nesterov (--nesterov) needs --optimizer sgd and a momentum > 0");
        if (UpdateFreq < 1) p.Add($"FineTune:UpdateFreq (--update-freq) must be ≥ 1 (got {UpdateFreq})");
        if (RepeatedAugment < 1) p.Add($"FineTune:RepeatedAugment (--num-sample) must be ≥ 1 (got {RepeatedAugment})");
        if (DropPath is double dp && !(dp >= 0 && dp < 1)) p.Add($"FineTune:DropPath (--drop-path) must be in [0, 1) (got {dp})");
        if (TestWeights is not ("last" or "best" or "ema")) p.Add($"FineTune:TestWeights (--test-weights) must be last, best or ema (got '{TestWeights}')");
        if (TestWeights == "ema" && EmaDecay is null) p.Add("FineTune:TestWeights ema needs a weight average (--ema-decay)");
        if (EmaDecay is double ema && !(ema > 0 && ema < 1)) p.Add($"FineTune:EmaDecay (--ema-decay) must be in (0, 1) (got {ema})");
        if (EmaSteps < 1) p.Add($"FineTune:EmaSteps (--ema-steps) must be ≥ 1 (got {EmaSteps})");
        p.AddRange(MixupSettings.Problems());
        return p;
    }
}
