using TorchSharp;
using VideoVCReg.Runtime.Distributed;
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
    readonly System.Collections.Concurrent.ConcurrentDictionary<string, VcRegStats> siteStats = new();
    readonly List<(string? Site, Tensor Var, Tensor Cov)> naiveTerms = [];

    public VcRegOptions Options { get; } = options;
    public bool Fast { get; } = fast;
    public bool LogStats { get; } = logStats;

    public override Tensor Apply(Tensor features) => Apply(features, null);

    public override bool CollectiveForward => !Fast && Options.Sync is { Size: > 1 };

    /// <remarks>With logging on, ℓ_var and ℓ_cov are kept per site as well as in total (<see cref="TakeStats"/>).</remarks>
    public override Tensor Apply(Tensor features, string? site)
    {
        if (!Enabled || !features.requires_grad) return features;
        if (Fast)
        {
            var siteOrTotal = stats is null || site is null ? stats : siteStats.GetOrAdd(site, _ => new VcRegStats(stats));
            return VcRegFunction.apply(features, GradientScale == 1 ? Options
                : Options with { Alpha = Options.Alpha * GradientScale, Beta = Options.Beta * GradientScale }, siteOrTotal!);
        }
        // The statistics the fast backward uses, as a loss: the global batch's under --vcreg-sync (every rank computes the
        // same loss over the gathered rows; GatherRows hands each its rows' share), each group's under --vcreg-groups.
        var rows = Options.Sync is { Size: > 1 } group ? GatherRows.Apply(features, group).All : features;
        var part = Options.Groups > 1 ? Options with { Groups = 1, Alpha = Options.Alpha / Options.Groups, Beta = Options.Beta / Options.Groups } : Options;
        Tensor? loss = null;
        foreach (var members in NaiveGroups(rows))
        {
            var (v, c, n) = VcRegLoss.TermsAndCount(members, part);
            var term = VcRegLoss.Combine(v, c, n, part);
            loss = loss is null ? term : loss + term;
            if (LogStats) lock (naiveTerms) naiveTerms.Add((site, v.detach().DetachFromDisposeScope(), c.detach().DetachFromDisposeScope()));
        }
        AddLoss(loss!);
        return features;
    }

    /// <summary>The batch's groups, as the fast backward forms them (<see cref="VcRegOptions.Groups"/>): sample b in group b mod G.</summary>
    IEnumerable<Tensor> NaiveGroups(Tensor rows)
    {
        if (Options.Groups <= 1) { yield return rows; yield break; }
        foreach (var members in FeatureSamples.GroupRows(rows.shape[0], Options, rows.device)) yield return rows.index_select(0, members);
    }

    /// <remarks>
    /// Algorithm 1's covariance gradient has no 1/n: at a block, where n = B·H·W, it outweighs a mean loss's gradient per
    /// activation by about n (ResNet-32 on Fashion-MNIST at the paper's middle β 0.04 stopped learning; VICReg pretraining diverged).
    /// </remarks>
    public override string? DivergenceHint(Placement placement) =>
        Options.Scaling == VcRegScaling.Paper && (placement & (Placement.Blocks | Placement.Downsample)) != 0
            ? $"VCReg at {placement.ToString().ToLowerInvariant()} under --vcreg-scaling paper (Algorithm 1) adds a covariance gradient n−1 times eq. 3's, n the samples a site sees; try --vcreg-scaling loss or a smaller --beta"
            : null;

    public override void AfterBackward()
    {
        if (VcRegFunction.TakeFailure() is Exception e)
            throw new InvalidOperationException($"VCReg backward failed: {e.Message}", e);
    }

    public override IReadOnlyDictionary<string, double> TakeStats()
    {
        if (!LogStats) return base.TakeStats();
        // Totals under vcreg_var / vcreg_cov, each site under vcreg_var/<site> / vcreg_cov/<site>.
        var result = new Dictionary<string, double>();
        if (stats != null)
        {
            (result["vcreg_var"], result["vcreg_cov"]) = stats.Take();
            foreach (var (site, s) in siteStats.OrderBy(p => p.Key, StringComparer.Ordinal))
                (result[$"vcreg_var/{site}"], result[$"vcreg_cov/{site}"]) = s.Take();
            return result;
        }
        lock (naiveTerms)
        {
            result["vcreg_var"] = naiveTerms.Sum(t => t.Var.ToDouble());
            result["vcreg_cov"] = naiveTerms.Sum(t => t.Cov.ToDouble());
            foreach (var g in naiveTerms.Where(t => t.Site is not null).GroupBy(t => t.Site!).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                result[$"vcreg_var/{g.Key}"] = g.Sum(t => t.Var.ToDouble());
                result[$"vcreg_cov/{g.Key}"] = g.Sum(t => t.Cov.ToDouble());
            }
            foreach (var (_, v, c) in naiveTerms) { v.Dispose(); c.Dispose(); }
            naiveTerms.Clear();
            return result;
        }
    }
}
