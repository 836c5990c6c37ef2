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
        return [AddGradient(x, gradOutput, o, stats), null!, null!];
    }

    internal static Tensor AddGradient(Tensor features, Tensor gradOutput, VcRegOptions o, VcRegStats? stats)
    {
        using var scope = NewDisposeScope();
        var x = FeatureSamples.ToMatrix(features.detach(), o.Layout).to_type(FeatureSamples.ComputeType(features));
        long n = x.shape[0], d = x.shape[1];
        if (n < 2) return gradOutput.MoveToOuterDisposeScope(); // covariance undefined: nothing to add
        var xc = x - x.mean([0], keepdim: true);
        var c = xc.t().matmul(xc).div_(n - 1);
        var diag = c.diagonal().clone();
        var r = (diag + o.Epsilon).rsqrt();
        r = r.where(r > 1.0, 0.0);
        // Variance part: −α/(d(n−1)) · x_c ∘ r.
        var g = xc * (r * (-o.Alpha / (d * (double)(n - 1))));
        if (d > 1)
        {
            c.diagonal().zero_();
            var coff = o.SmoothL1Delta is double delta ? c.clamp(-delta, delta) : c;
            // Covariance part, fused: g += 4β/(d(d−1)(n−1)) · x_c C_off.
            // (the scale goes on the d×d factor: addmm's float alpha would cost float64 precision)
            g = g.addmm_(xc, coff.mul(4 * o.Beta / (d * (double)(d - 1) * (n - 1))));
            stats?.Record(diag, c, d, o);
        }
        else stats?.Record(diag, null, d, o);
        var grad = gradOutput + FeatureSamples.FromMatrix(g, features, o.Layout).to_type(gradOutput.dtype);
        return grad.MoveToOuterDisposeScope();
    }
}
