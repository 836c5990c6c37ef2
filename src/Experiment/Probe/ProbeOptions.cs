using static TorchSharp.torch;

namespace VideoVCReg.Experiment.Probe;

/// <summary>
/// A linear probe's settings. <c>lbfgs</c>: Kornblith et al.'s L2 logistic regression with λ chosen from
/// <see cref="Lambdas"/> on <see cref="ValidationShare"/> of the training features (appendix C.1). <c>adamw</c>:
/// appendix C.3's linear classifier, <see cref="Epochs"/> epochs at lr <see cref="Lr"/> (cosine, no warm-up),
/// weight decay <see cref="WeightDecay"/>, batch <see cref="BatchSize"/>.
/// </summary>
public sealed record ProbeOptions
{
    [VideoVCReg.Runtime.RunControl]
    public required string OutDir { get; init; }
    [VideoVCReg.Runtime.RunControl]
    public bool Force { get; init; }
    /// <summary>A finished probe with identical settings is kept and its report returned (the protocols' cache).</summary>
    [VideoVCReg.Runtime.RunControl]
    public bool ReuseFinished { get; init; }
    public string Solver { get; init; } = "lbfgs";
    /// <summary>Folder for train/val/test features and labels as .npy; null: not written.</summary>
    [VideoVCReg.Runtime.RunControl]
    public string? SaveFeatures { get; init; }
    public int Seed { get; init; }
    /// <summary>The device resolved from the spec's (auto, cpu, cuda).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Device Device { get; init; } = CPU;
    /// <summary>Batch size for feature extraction (the backbone is frozen and in eval mode: it changes no feature).</summary>
    [VideoVCReg.Runtime.RunControl]
    public int ExtractBatchSize { get; init; } = 128;
    public double ValidationShare { get; init; } = 0.2;
    public int LambdaCount { get; init; } = 45;
    /// <summary>L-BFGS iterations per fit at most (scikit-learn probes commonly use max_iter 1000).</summary>
    public int MaxIterations { get; init; } = 1000;
    public int Epochs { get; init; } = 100;
    /// <summary>The option that sets <see cref="Epochs"/>, for messages: the protocols take it as --probe-epochs, beside their own --epochs.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string EpochsOption { get; init; } = "--epochs";
    public double Lr { get; init; } = 0.016;
    public double WeightDecay { get; init; } = 0.05;
    public int BatchSize { get; init; } = 256;

    public IReadOnlyList<string> Problems()
    {
        var p = new List<string>();
        if (Solver is not ("lbfgs" or "adamw")) p.Add($"--solver must be lbfgs or adamw (got '{Solver}')");
        if (!(ValidationShare > 0 && ValidationShare < 1)) p.Add($"--val-share must be in (0, 1) (got {ValidationShare})");
        if (MaxIterations < 1) p.Add($"--max-iter must be ≥ 1 (got {MaxIterations})");
        if (LambdaCount < 1 || LambdaCount > Eval.LinearProbe.MaxLambdas) p.Add($"--lambdas must be in [1, {Eval.LinearProbe.MaxLambdas}] (got {LambdaCount})");
        if (Epochs < 1) p.Add($"{EpochsOption} must be ≥ 1 (got {Epochs})");
        if (!(Lr > 0 && double.IsFinite(Lr))) p.Add($"--lr must be a finite number > 0 (got {Lr})");
        if (!(WeightDecay >= 0 && double.IsFinite(WeightDecay))) p.Add($"--weight-decay must be a finite number ≥ 0 (got {WeightDecay})");
        if (BatchSize < 1) p.Add($"--batch-size must be ≥ 1 (got {BatchSize})");
        if (ExtractBatchSize < 1) p.Add($"extraction batch size must be ≥ 1 (got {ExtractBatchSize})");
        return p;
    }
}
