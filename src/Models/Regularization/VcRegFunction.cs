using TorchSharp;
using VideoVCReg.Runtime.Distributed;
using static TorchSharp.torch;

namespace VideoVCReg.Models.Regularization;

/// <summary>
/// Fast VCReg (paper §3.3, Algorithm 1): the forward is the identity (an alias, no copy) and the backward
/// adds the analytic gradient of α·ℓ_var + β·ℓ_cov to the incoming one. With x_c the demeaned (n × d)
/// samples, C = x_cᵀx_c/(n−1), r_i = rsqrt(C_ii + ε) where that exceeds 1 (else 0), and C_off the
/// off-diagonal of C (clamped to [−δ, δ] under smooth-L1):
///   grad_in = grad_out − α/(d(n−1)) · (x_c ∘ r) + k_cov · (x_c C_off),
/// with k_cov = 4β/(d(d−1)) as Algorithm 1 prints it (<see cref="VcRegScaling.Paper"/>, the default), or 4β/(d(d−1)(n−1)),
/// the exact gradient of β·ℓ_cov (<see cref="VcRegScaling.Loss"/>); see <see cref="VcRegOptions.CovarianceGradientWeight"/>.
/// Algorithm 1 assumes zero-mean input and says "we apply a batch demean operation before calling the function". Here
/// the demeaning happens inside the backward, on the saved input, so the forward stays the identity: the paper's own
/// claim that VCReg does not change the forward pass, which a demeaning layer in front would break.
/// Because the output aliases the input, libtorch rejects in-place edits of either afterwards (view+inplace
/// rule for custom functions); models must use out-of-place residuals and activations after a placement.
/// </summary>
public sealed class VcRegFunction : autograd.SingleTensorFunction<VcRegFunction>
{
    public override string Name => "VcRegFunction";

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var x = (Tensor)vars[0];
        ctx.save_for_backward([x]);
        ctx.save_data("options", vars[1]);
        ctx.save_data("stats", vars[2]);
        return x.alias();
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
    {
        var x = ctx.get_saved_variables()[0];
        var o = (VcRegOptions)ctx.get_data("options");
        var stats = ctx.get_data("stats") as VcRegStats;
        try
        {
            return [AddGradient(x, gradOutput, o, stats), null!, null!];
        }
        catch (Exception e)
        {
            // A managed exception escaping into libtorch's autograd engine kills the process; keep the
            // step's gradient as it was and let VcReg.AfterBackward rethrow on the caller's side.
            Interlocked.CompareExchange(ref failure, e, null);
            return [gradOutput, null!, null!];
        }
    }

    static Exception? failure;

    /// <summary>The first exception raised inside a backward since the last call, if any.</summary>
    internal static Exception? TakeFailure() => Interlocked.Exchange(ref failure, null);

    internal static Tensor AddGradient(Tensor features, Tensor gradOutput, VcRegOptions o, VcRegStats? stats)
    {
        if (o.Groups > 1) return GroupedGradient(features, gradOutput, o, stats);
        using var scope = NewDisposeScope();
        var type = FeatureSamples.ComputeType(features);
        // Channels-first maps stay [B, d, L] views so nothing is permuted or copied; others are (n, d). A map stored
        // channels-last (ConvNeXt's block outputs) is already an (n, d) matrix in memory: it takes the row path as a view,
        // and its gradient keeps that layout, so the convolution behind it gets the layout it produced.
        bool channelsFirst = FeatureSamples.IsChannelsFirst(features, o.Layout);
        var f = features.detach();
        Tensor? channelsLastRows = channelsFirst ? FeatureSamples.ChannelsLastRows(f) : null;
        if (channelsLastRows is not null && o.Sync is not { Size: > 1 })
        {
            // The gradient is built as (n, d) rows too and handed back as a view in the map's channels-last layout.
            var rows = channelsLastRows.to_type(type);
            if (rows.shape[0] < 2) return gradOutput.alias().MoveToOuterDisposeScope();
            var upstream = FeatureSamples.ChannelsLastRows(gradOutput) ?? gradOutput.movedim([1], [-1]).reshape(rows.shape);
            var moved = features.shape.Where((_, i) => i != 1).Append(rows.shape[1]).ToArray();
            return RowsGradient(rows, upstream.to_type(type), o, stats).view(moved).movedim([-1], [1]).to_type(gradOutput.dtype).MoveToOuterDisposeScope();
        }
        var x = (channelsFirst ? f.reshape(f.shape[0], f.shape[1], -1) : f.reshape(-1, f.shape[^1])).to_type(type);
        long d = x.shape[1], n = channelsFirst ? x.shape[0] * x.shape[2] : x.shape[0];
        if (o.Sync is { Size: > 1 } group) return SyncedGradient(features, gradOutput, x, channelsFirst, n, d, o, stats, group).MoveToOuterDisposeScope();
        if (n < 2) return gradOutput.alias().MoveToOuterDisposeScope(); // covariance undefined: nothing to add
        if (!channelsFirst)
            return RowsGradient(x, gradOutput.reshape(x.shape).to_type(type), o, stats).reshape(features.shape).to_type(gradOutput.dtype).MoveToOuterDisposeScope();
        if (n < d && o.SmoothL1Delta is null && stats is null)
        {
            // Maps with fewer positions than channels (late CNN stages) pay one small (n, d) copy for it.
            var rows = x.permute(0, 2, 1).reshape(n, d);
            var xc = rows - rows.mean([0], keepdim: true);
            var go = gradOutput.reshape(x.shape).to_type(type);
            return (go + GramGradient(xc, n, d, o, onto: null).view(x.shape[0], x.shape[2], d).permute(0, 2, 1))
                .reshape(features.shape).to_type(gradOutput.dtype).MoveToOuterDisposeScope();
        }
        var xcMap = x - x.mean([0, 2], keepdim: true);
        var cMap = xcMap.matmul(xcMap.transpose(1, 2)).sum([0]).div_(n - 1);
        stats?.Record(cMap, o);
        var mMap = GradientMatrix(cMap, n, d, o, weight: 1);
        // The sum takes the incoming gradient's memory layout; handing back a plain NCHW gradient to a convolution that
        // produced another layout made the backward behind it convert layouts.
        return (gradOutput + mMap.matmul(xcMap).view(features.shape).to_type(gradOutput.dtype)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The gradient for n samples as (n, d) rows (tokens, or a channels-last map's view) with the incoming gradient
    /// <paramref name="go"/> in the same shape: centring, then the d×d covariance and one GEMM onto <paramref name="go"/>,
    /// or the Gram path when n &lt; d. A fresh (n, d) tensor; <paramref name="go"/> is not modified.
    /// </summary>
    static Tensor RowsGradient(Tensor rows, Tensor go, VcRegOptions o, VcRegStats? stats)
    {
        long n = rows.shape[0], d = rows.shape[1];
        var probe = OpProbe;
        probe?.Invoke("start", n, d);
        var mean = rows.mean([0], keepdim: true);
        probe?.Invoke("mean", n, d);
        var xc = rows - mean;
        probe?.Invoke("centre", n, d);
        if (n < d && o.SmoothL1Delta is null && stats is null) return GramGradient(xc, n, d, o, onto: go, probe);
        var c = xc.t().matmul(xc).div_(n - 1);
        probe?.Invoke("covariance GEMM", n, d);
        stats?.Record(c, o);
        var m = GradientMatrix(c, n, d, o, weight: 1);
        probe?.Invoke("d×d matrix", n, d);
        var sum = addmm(go, xc, m, 1, 1);
        probe?.Invoke("product GEMM", n, d);
        return sum;
    }

    /// <summary>
    /// Both terms are x_c times one symmetric d×d matrix M (consumes <paramref name="c"/>): off-diagonal k_cov·C_off,
    /// diagonal −k_var·r. One GEMM then adds both; for tokens it accumulates onto the incoming gradient.
    /// </summary>
    static Tensor GradientMatrix(Tensor c, long n, long d, VcRegOptions o, double weight)
    {
        var r = (c.diagonal() + o.Epsilon).rsqrt();
        r = r.where(r > 1.0, 0.0);
        var m = d > 1
            ? (o.SmoothL1Delta is double delta ? c.clamp_(-delta, delta) : c).mul_(weight * o.CovarianceGradientWeight(n, d))
            : zeros_like(c);
        m.diagonal().copy_(r.mul(-weight * o.VarianceGradientWeight(n, d)));
        return m;
    }

    /// <summary>
    /// Called after each step of the fast backward on rows (tokens, channels-last maps) with its label and (n, d), for `bench vcreg
    /// --profile`'s op-by-op timing (the backward runs on libtorch's autograd thread, hence a plain static); null in training.
    /// </summary>
    public static Action<string, long, long>? OpProbe { get; set; }

    /// <summary>
    /// --vcreg-sync: the gradient for this rank's samples under the mean and covariance of every rank's samples, as
    /// SyncBatchNorm. Two all-reduces, both inside this backward: (n, Σx), then Σ(x − μ)(x − μ)ᵀ about the global mean,
    /// which keeps the single-process arithmetic (no Σxxᵀ − nμμᵀ cancellation). The gradient is weighted by the number
    /// of ranks because the loop then averages gradients over them. Every rank reaches these calls for every placement in
    /// the same order (the same network, the same graph), also a rank with a single sample; see docs/ARCHITECTURE.md.
    /// </summary>
    static Tensor SyncedGradient(Tensor features, Tensor gradOutput, Tensor x, bool channelsFirst, long n, long d, VcRegOptions o,
        VcRegStats? stats, ProcessGroup group)
    {
        var sums = cat([tensor(new double[] { n }, device: x.device), (channelsFirst ? x.sum([0, 2]) : x.sum([0])).to_type(ScalarType.Float64)]);
        group.AllReduceSum(sums);
        long total = (long)sums[0].ToDouble();
        var mean = sums[1..].div(total).to_type(x.dtype);
        var xc = channelsFirst ? x - mean.view(1, d, 1) : x - mean;
        var c = channelsFirst ? xc.matmul(xc.transpose(1, 2)).sum([0]) : xc.t().matmul(xc);
        group.AllReduceSum(c);
        if (total < 2) return gradOutput.alias();
        c.div_(total - 1);
        stats?.Record(c, o);
        var m = GradientMatrix(c, total, d, o, weight: group.Size);
        if (channelsFirst) return gradOutput + m.matmul(xc).view(features.shape).to_type(gradOutput.dtype);
        return addmm(gradOutput.reshape(x.shape).to_type(x.dtype), xc, m, 1, 1).reshape(features.shape).to_type(gradOutput.dtype);
    }

    /// <summary>
    /// --vcreg-groups G: sample b of the batch (axis 0, <see cref="VcRegOptions.RowsPerSample"/> rows each) in group b mod G, the gradient of each group's own statistics
    /// weighted 1/G; what G data-parallel ranks with per-rank statistics add up to after the gradient average.
    /// </summary>
    static Tensor GroupedGradient(Tensor features, Tensor gradOutput, VcRegOptions o, VcRegStats? stats)
    {
        using var scope = NewDisposeScope();
        int g = o.Groups;
        var part = o with { Groups = 1, Alpha = o.Alpha / g, Beta = o.Beta / g };
        var result = gradOutput.clone();
        foreach (var rows in FeatureSamples.GroupRows(features.shape[0], o, features.device))
            result.index_copy_(0, rows, AddGradient(features.index_select(0, rows), gradOutput.index_select(0, rows), part, stats));
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The added gradient when there are fewer samples than features (ViT tokens at small batch): x_c C =
    /// (x_c x_cᵀ) x_c / (n−1), so the n×n Gram matrix replaces the d×d covariance and the cost drops from
    /// 4nd² to 4n²d. diag C is a column sum of squares. Smooth-L1 needs C's entries, so it keeps the d×d path.
    /// The result is <paramref name="onto"/> (never modified) plus the added gradient, in one fresh tensor.
    /// </summary>
    static Tensor GramGradient(Tensor xc, long n, long d, VcRegOptions o, Tensor? onto, Action<string, long, long>? probe = null)
    {
        var diag = xc.pow(2).sum([0]).div_(n - 1);                        // (d,) = diag C
        probe?.Invoke("Gram: diagonal", n, d);
        var r = (diag + o.Epsilon).rsqrt();
        r = r.where(r > 1.0, 0.0);
        double kv = o.VarianceGradientWeight(n, d);
        double kc = o.CovarianceGradientWeight(n, d);
        // g = x_c ∘ (−kv·r − kc·diag C) + kc/(n−1) · (x_c x_cᵀ) x_c
        var scale = r.mul(-kv).sub_(diag.mul(kc));
        var gram = xc.matmul(xc.t()).mul_(kc / (n - 1));                // (n, n)
        probe?.Invoke("Gram: n×n GEMM", n, d);
        var sum = onto is null ? xc * scale : onto.addcmul(xc, scale, 1);
        probe?.Invoke("Gram: diagonal term", n, d);
        sum.addmm_(gram, xc);
        probe?.Invoke("Gram: product GEMM", n, d);
        return sum;
    }
}
