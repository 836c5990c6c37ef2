namespace VideoVCReg.FineTune;

/// <summary>
/// The fine-tuning recipe, with the defaults of VideoMAE's run_class_finetuning.py: AdamW (0.9, 0.999), base lr
/// 1e-3 scaled by batch/256, layer decay 0.75, weight decay 0.05 (not on biases, norms, position tables or
/// tokens), label smoothing 0.1, 5 warm-up epochs from 1e-6, then cosine to 1e-6, per step. (Its HMDB51 and
/// UCF101 scripts change lr to 1e-3 or 5e-4 and layer decay to 0.7.)
/// </summary>
public sealed record TrainOptions
{
    public int Epochs { get; init; } = 50;
    public int BatchSize { get; init; } = 8;
    /// <summary>Base learning rate at batch 256; the applied peak is BaseLr · BatchSize / 256, as VideoMAE.</summary>
    public double BaseLr { get; init; } = 1e-3;
    public double MinLr { get; init; } = 1e-6;
    public double WarmupEpochs { get; init; } = 5;
    public double WeightDecay { get; init; } = 0.05;
    /// <summary>Per-layer lr factor: block i of L gets LayerDecay^(L+1−(i+1)); 1 turns it off.</summary>
    public double LayerDecay { get; init; } = 0.75;
    public double LabelSmoothing { get; init; } = 0.1;
    /// <summary>Gradient norm clip; null (VideoMAE's default) leaves gradients alone.</summary>
    public double? ClipGrad { get; init; }
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;

    public double PeakLr => BaseLr * BatchSize / 256.0;

    public IReadOnlyList<string> Problems()
    {
        var p = new List<string>();
        if (Epochs < 1) p.Add($"epochs must be ≥ 1 (got {Epochs})");
        if (BatchSize < 1) p.Add($"batch size must be ≥ 1 (got {BatchSize})");
        if (!(BaseLr > 0)) p.Add($"learning rate must be > 0 (got {BaseLr})");
        if (MinLr < 0 || MinLr > PeakLr) p.Add($"min lr must be in [0, peak lr {PeakLr:G3}] (got {MinLr})");
        if (WarmupEpochs < 0) p.Add($"warm-up epochs must be ≥ 0 (got {WarmupEpochs})");
        if (WeightDecay < 0) p.Add($"weight decay must be ≥ 0 (got {WeightDecay})");
        if (!(LayerDecay > 0 && LayerDecay <= 1)) p.Add($"layer decay must be in (0, 1] (got {LayerDecay})");
        if (LabelSmoothing < 0 || LabelSmoothing >= 1) p.Add($"label smoothing must be in [0, 1) (got {LabelSmoothing})");
        if (ClipGrad is <= 0) p.Add($"clip-grad must be > 0 (got {ClipGrad})");
        return p;
    }
}
