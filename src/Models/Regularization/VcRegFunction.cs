using TorchSharp;
using static TorchSharp.torch;

namespace VideoVCReg.Models.Regularization;

/// <summary>
/// Fast VCReg (paper §3.3, Algorithm 1): the forward is the identity (an alias, no copy) and the backward
/// adds the analytic gradient of α·ℓ_var + β·ℓ_cov to the incoming one. With x_c the demeaned (n × d)
/// samples, C = x_cᵀx_c/(n−1), r_i = rsqrt(C_ii + ε) where that exceeds 1 (else 0), and C_off the
/// off-diagonal of C (clamped to [−δ, δ] under smooth-L1):
///   grad_in = grad_out − α/(d(n−1)) · (x_c ∘ r) + 4β/(d(d−1)(n−1)) · (x_c C_off).
/// Algorithm 1 omits the 1/(n−1) of the covariance term, which only rescales β but breaks equality with
/// the loss the paper defines; we keep it so the gradient equals autograd of <see cref="VcRegLoss"/>.
/// Demeaning happens here, so no separate layer is needed, and the forward never returns demeaned data.
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
        using var scope = NewDisposeScope();
        var type = FeatureSamples.ComputeType(features);
        // Channels-first maps stay [B, d, L] views so nothing is permuted or copied; others are (n, d).
        bool channelsFirst = FeatureSamples.IsChannelsFirst(features, o.Layout);
        var f = features.detach();
        var x = (channelsFirst ? f.reshape(f.shape[0], f.shape[1], -1) : f.reshape(-1, f.shape[^1])).to_type(type);
        long d = x.shape[1], n = channelsFirst ? x.shape[0] * x.shape[2] : x.shape[0];
        if (n < 2) return gradOutput.alias().MoveToOuterDisposeScope(); // covariance undefined: nothing to add
        Tensor sum;
        if (n < d && o.SmoothL1Delta is null && stats is null)
        {
            // Maps with fewer positions than channels (late CNN stages) pay one small (n, d) copy for it.
            var rows = channelsFirst ? x.permute(0, 2, 1).reshape(n, d) : x;
            var xc = rows - rows.mean([0], keepdim: true);
            var go = gradOutput.reshape(x.shape).to_type(type);
            sum = channelsFirst
                ? go + GramGradient(xc, n, d, o, onto: null).view(x.shape[0], x.shape[2], d).permute(0, 2, 1)
                : GramGradient(xc, n, d, o, onto: go);
        }
        else
        {
            Tensor xc, c;
            if (channelsFirst)
            {
                xc = x - x.mean([0, 2], keepdim: true);
                c = xc.matmul(xc.transpose(1, 2)).sum([0]).div_(n - 1);
            }
            else
            {
                xc = x - x.mean([0], keepdim: true);
                c = xc.t().matmul(xc).div_(n - 1);
            }
            var r = (c.diagonal() + o.Epsilon).rsqrt();
            r = r.where(r > 1.0, 0.0);
            stats?.Record(c, d, o);
            // Both terms are x_c times one symmetric d×d matrix M: off-diagonal 4β/(d(d−1)(n−1))·C_off,
            // diagonal −α/(d(n−1))·r. One GEMM adds both; for tokens it accumulates onto the incoming gradient.
            var m = d > 1
                ? (o.SmoothL1Delta is double delta ? c.clamp_(-delta, delta) : c).mul_(4 * o.Beta / (d * (double)(d - 1) * (n - 1)))
                : zeros_like(c);
            m.diagonal().copy_(r.mul(-o.Alpha / (d * (double)(n - 1))));
            // Maps: the sum takes the incoming gradient's memory layout (often channels-last from the convolution
            // behind it); handing back a plain NCHW gradient made ConvNeXt's backward convert layouts downstream.
            if (channelsFirst) return (gradOutput + m.matmul(xc).view(features.shape).to_type(gradOutput.dtype)).MoveToOuterDisposeScope();
            sum = addmm(gradOutput.reshape(x.shape).to_type(type), xc, m, 1, 1);
        }
        return sum.reshape(features.shape).to_type(gradOutput.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The added gradient when there are fewer samples than features (ViT tokens at small batch): x_c C =
    /// (x_c x_cᵀ) x_c / (n−1), so the n×n Gram matrix replaces the d×d covariance and the cost drops from
    /// 4nd² to 4n²d. diag C is a column sum of squares. Smooth-L1 needs C's entries, so it keeps the d×d path.
    /// The result is <paramref name="onto"/> (never modified) plus the added gradient, in one fresh tensor.
    /// </summary>
    static Tensor GramGradient(Tensor xc, long n, long d, VcRegOptions o, Tensor? onto)
    {
        var diag = xc.pow(2).sum([0]).div_(n - 1);                        // (d,) = diag C
        var r = (diag + o.Epsilon).rsqrt();
        r = r.where(r > 1.0, 0.0);
        double kv = o.Alpha / (d * (double)(n - 1));
        double kc = d > 1 ? 4 * o.Beta / (d * (double)(d - 1) * (n - 1)) : 0;
        // g = x_c ∘ (−kv·r − kc·diag C) + kc/(n−1) · (x_c x_cᵀ) x_c
        var scale = r.mul(-kv).sub_(diag.mul(kc));
        var gram = xc.matmul(xc.t()).mul_(kc / (n - 1));                 // (n, n)
        var sum = onto is null ? xc * scale : onto.addcmul(xc, scale, 1);
        return sum.addmm_(gram, xc);
    }
}
