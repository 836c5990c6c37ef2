using TorchSharp;
using static TorchSharp.torch;

namespace VideoVCReg.Models.Regularization;

/// <summary>
/// VCReg at one or many placements (paper eq. 5). <see cref="Fast"/> uses <see cref="VcRegFunction"/>
/// (identity forward, analytic backward); otherwise the loss of <see cref="VcRegLoss"/> is computed in the
/// forward and returned by <see cref="FeatureRegularizer.TakeLoss"/> for autograd.
/// </summary>
public sealed class VcReg(VcRegOptions options, bool fast = true, bool logStats = false) : FeatureRegularizer
{
    readonly VcRegStats? stats = fast && logStats ? new VcRegStats() : null;
    readonly List<(Tensor Var, Tensor Cov)> naiveTerms = [];

    public VcRegOptions Options { get; } = options;
    public bool Fast { get; } = fast;
    public bool LogStats { get; } = logStats;

    public override Tensor Apply(Tensor features)
    {
        if (!Enabled || !features.requires_grad) return features;
        if (Fast) return VcRegFunction.apply(features, GradientScale == 1 ? Options
            : Options with { Alpha = Options.Alpha * GradientScale, Beta = Options.Beta * GradientScale }, stats!);
        var (v, c) = VcRegLoss.Terms(features, Options);
        AddLoss(Options.Alpha * v + Options.Beta * c);
        if (LogStats) lock (naiveTerms) naiveTerms.Add((v.detach().DetachFromDisposeScope(), c.detach().DetachFromDisposeScope()));
        return features;
    }

    public override void AfterBackward()
    {
        if (VcRegFunction.TakeFailure() is Exception e)
            throw new InvalidOperationException($"VCReg backward failed: {e.Message}", e);
    }

    public override IReadOnlyDictionary<string, double> TakeStats()
    {
        if (!LogStats) return base.TakeStats();
        if (stats != null)
        {
            var (v, c) = stats.Take();
            return new Dictionary<string, double> { ["vcreg_var"] = v, ["vcreg_cov"] = c };
        }
        lock (naiveTerms)
        {
            double sv = naiveTerms.Sum(t => t.Var.ToDouble()), sc = naiveTerms.Sum(t => t.Cov.ToDouble());
            foreach (var (v, c) in naiveTerms) { v.Dispose(); c.Dispose(); }
            naiveTerms.Clear();
            return new Dictionary<string, double> { ["vcreg_var"] = sv, ["vcreg_cov"] = sc };
        }
    }
}
