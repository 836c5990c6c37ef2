using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using VideoVCReg.Models.Layers;
using VideoVCReg.Runtime;

namespace VideoVCReg.Models;

/// <summary>
/// Multi-head self-attention over all space-time tokens, on the fused scaled_dot_product_attention kernel.
/// VideoMAE keeps qkv without a bias and stores q_bias and v_bias; the key bias is zero, so the fused bias is
/// cat(q_bias, 0, v_bias). VideoMAEv2's cosine attention adds a learnable per-head log-scale `scale`.
/// </summary>
public sealed class Attention : nn.Module<Tensor, Tensor>
{
    readonly AutocastLinear qkv, proj;              // blocks.N.attn.qkv / proj
    readonly Parameter? q_bias, v_bias;     // k has no bias, as in VideoMAE
    readonly Parameter? scale;              // [heads, 1, 1], VideoMAEv2 CosAttention only
    readonly int heads;

    /// <summary>log(1 / 0.01): VideoMAEv2 clamps the learned logit scale at 100.</summary>
    const double MaxLogScale = 4.6052;

    public Attention(ModelConfig c) : base("Attention")
    {
        heads = c.NumHeads;
        qkv = new AutocastLinear(c.EmbedDim, 3 * c.EmbedDim, hasBias: c.QkvBias == "full");
        if (c.QkvBias == "qv")
        {
            q_bias = nn.Parameter(torch.zeros(c.EmbedDim));
            v_bias = nn.Parameter(torch.zeros(c.EmbedDim));
        }
        if (c.CosAttn) scale = nn.Parameter(torch.full(new long[] { heads, 1, 1 }, Math.Log(10)));
        proj = new AutocastLinear(c.EmbedDim, c.EmbedDim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long B = x.shape[0], N = x.shape[1], C = x.shape[2];
        Tensor? bias = q_bias is null ? null : torch.cat([q_bias, torch.zeros_like(v_bias!), v_bias!]);
        var qkvOut = nn.functional.linear(Autocast.Low(x), Autocast.Low(qkv.weight), Autocast.LowOrNull(bias ?? qkv.bias));
        var t = qkvOut.reshape(B, N, 3, heads, C / heads).permute(2, 0, 3, 1, 4); // (3, B, h, N, hd)
        Tensor q = t[0], k = t[1], v = t[2];
        if (scale is not null)
        {
            // cos(q, k) · exp(min(scale, log 100)). The kernel multiplies by 1/sqrt(hd); fold that out into q.
            long hd = C / heads;
            var logit = scale.clamp_max(MaxLogScale).exp() * Math.Sqrt(hd);  // (h, 1, 1)
            q = nn.functional.normalize(q, dim: -1) * logit;
            k = nn.functional.normalize(k, dim: -1);
        }
        var y = nn.functional.scaled_dot_product_attention(q, k, v); // (B, h, N, hd)
        return proj.call(y.transpose(1, 2).reshape(B, N, C)).MoveToOuterDisposeScope();
    }
}
