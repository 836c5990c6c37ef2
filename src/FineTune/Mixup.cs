using static TorchSharp.torch;

namespace VideoVCReg.FineTune;

/// <summary>
/// Batch mixup and cutmix as VideoMAE's fine-tuning applies them (timm's <c>Mixup</c>, mode "batch", through
/// run_class_finetuning.py: <c>--mixup 0.8 --cutmix 1.0 --mixup_prob 1.0 --mixup_switch_prob 0.5</c>): per batch,
/// with probability <see cref="Probability"/>, either cutmix (chosen with <see cref="SwitchProbability"/>, λ ~
/// Beta(cutmix, cutmix), a box of area 1 − λ pasted from the batch reversed, λ corrected to the box actually cut
/// after clipping) or mixup (λ ~ Beta(mixup, mixup), a blend with the batch reversed). Targets are the soft labels
/// λ·smooth(y) + (1 − λ)·smooth(reversed y), label smoothing folded in as timm does (off = s/K, on = 1 − s + off).
/// Draws come from the caller's <see cref="Random"/>, so a step's mix is a function of the run's seed and the step.
/// Training only: validation and test never mix.
/// </summary>
public sealed record Mixup(double MixupAlpha = 0.8, double CutmixAlpha = 1.0, double Probability = 1.0, double SwitchProbability = 0.5)
{
    public bool Active => Probability > 0 && (MixupAlpha > 0 || CutmixAlpha > 0);

    /// <summary>
    /// The mixed batch (<paramref name="x"/> [B, C, ..., H, W] left unchanged) and λ, the share of each sample's
    /// own content; <see cref="Targets"/> turns λ into the soft labels. The cutmix box spans the last two axes
    /// (height, width) of every frame: timm indexes x[:, :, y0:y1, x0:x1], which on VideoMAE's [B, C, T, H, W]
    /// clips cuts frames and rows instead.
    /// </summary>
    public (Tensor Input, double Lambda, bool Cutmix) Mix(Tensor x, Random rng)
    {
        double lam = 1;
        bool cut = false;
        if (rng.NextDouble() < Probability)
        {
            cut = CutmixAlpha > 0 && (MixupAlpha <= 0 || rng.NextDouble() < SwitchProbability);
            lam = Beta(rng, cut ? CutmixAlpha : MixupAlpha);
        }
        var flipped = x.flip(0);
        Tensor mixed;
        if (lam == 1) mixed = x.clone();
        else if (cut)
        {
            long h = x.shape[^2], w = x.shape[^1];
            var (y0, y1, x0, x1) = Box(h, w, lam, rng);
            mixed = x.clone();
            mixed[TensorIndex.Ellipsis, TensorIndex.Slice(y0, y1), TensorIndex.Slice(x0, x1)] =
                flipped[TensorIndex.Ellipsis, TensorIndex.Slice(y0, y1), TensorIndex.Slice(x0, x1)];
            lam = 1 - (double)(y1 - y0) * (x1 - x0) / (h * w);
        }
        else mixed = x * lam + flipped * (1 - lam);
        return (mixed, lam, cut);
    }

    /// <summary>λ·smooth(y) + (1 − λ)·smooth(y reversed): timm's mixup_target.</summary>
    public static Tensor Targets(Tensor labels, int classes, double smoothing, double lambda) =>
        Smooth(labels, classes, smoothing) * lambda + Smooth(labels.flip(0), classes, smoothing) * (1 - lambda);

    /// <summary>timm's one-hot with label smoothing: s/K everywhere, 1 − s + s/K on the label.</summary>
    public static Tensor Smooth(Tensor labels, int classes, double smoothing)
    {
        double off = smoothing / classes, on = 1 - smoothing + off;
        using var onehot = nn.functional.one_hot(labels.to(ScalarType.Int64), classes).to(ScalarType.Float32);
        return onehot * (on - off) + off;
    }

    /// <summary>timm's SoftTargetCrossEntropy: Σ −target · log_softmax(logits), averaged over the batch.</summary>
    public static Tensor SoftTargetLoss(Tensor logits, Tensor targets) =>
        (-targets.to(logits.dtype) * nn.functional.log_softmax(logits, 1)).sum(1).mean();

    /// <summary>timm's rand_bbox: a box of side ratio √(1 − λ) centred uniformly, clipped to the image.</summary>
    public static (long Y0, long Y1, long X0, long X1) Box(long h, long w, double lam, Random rng)
    {
        double ratio = Math.Sqrt(1 - lam);
        long cutH = (long)(h * ratio), cutW = (long)(w * ratio);
        long cy = rng.NextInt64(h), cx = rng.NextInt64(w);
        return (Math.Clamp(cy - cutH / 2, 0, h), Math.Clamp(cy + cutH / 2, 0, h), Math.Clamp(cx - cutW / 2, 0, w), Math.Clamp(cx + cutW / 2, 0, w));
    }

    /// <summary>A Beta(a, a) draw from two Gamma(a) draws (Marsaglia–Tsang).</summary>
    public static double Beta(Random rng, double a)
    {
        double g1 = Gamma(rng, a), g2 = Gamma(rng, a);
        return g1 / (g1 + g2);
    }

    static double Gamma(Random rng, double a)
    {
        if (a < 1) return Gamma(rng, a + 1) * Math.Pow(rng.NextDouble(), 1 / a);
        double d = a - 1.0 / 3, c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                // Box–Muller normal.
                x = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = rng.NextDouble();
            if (u < 1 - 0.0331 * x * x * x * x || Math.Log(u) < 0.5 * x * x + d * (1 - v + Math.Log(v))) return d * v;
        }
    }

    public IReadOnlyList<string> Problems()
    {
        var p = new List<string>();
        if (!(MixupAlpha >= 0 && double.IsFinite(MixupAlpha))) p.Add($"FineTune:Mixup (--mixup) must be ≥ 0 (got {MixupAlpha})");
        if (!(CutmixAlpha >= 0 && double.IsFinite(CutmixAlpha))) p.Add($"FineTune:Cutmix (--cutmix) must be ≥ 0 (got {CutmixAlpha})");
        if (!(Probability >= 0 && Probability <= 1)) p.Add($"FineTune:MixupProb (--mixup-prob) must be in [0, 1] (got {Probability})");
        if (!(SwitchProbability >= 0 && SwitchProbability <= 1)) p.Add($"FineTune:MixupSwitchProb (--mixup-switch-prob) must be in [0, 1] (got {SwitchProbability})");
        return p;
    }
}
