using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VideoVCReg.Models;

/// <summary>Pre-norm transformer block: x + attn(norm1(x)), then x + mlp(norm2(x)), each through DropPath.</summary>
public sealed class Block : nn.Module<Tensor, Tensor>
{
    readonly LayerNorm norm1, norm2;       // blocks.N.norm1 / norm2
    readonly Attention attn;               // blocks.N.attn
    readonly Mlp mlp;                      // blocks.N.mlp
    readonly DropPath drop_path;
    readonly Parameter? gamma_1, gamma_2;  // layer scale, only when init_values > 0

    public Block(ModelConfig c, double dropPath) : base("Block")
    {
        norm1 = nn.LayerNorm(c.EmbedDim, c.NormEps);
        attn = new Attention(c);
        norm2 = nn.LayerNorm(c.EmbedDim, c.NormEps);
        mlp = new Mlp(c);
        drop_path = new DropPath(dropPath);
        if (c.InitValues > 0)
        {
            gamma_1 = nn.Parameter(torch.full(c.EmbedDim, c.InitValues));
            gamma_2 = nn.Parameter(torch.full(c.EmbedDim, c.InitValues));
        }
        RegisterComponents();
    }

    public double DropPathRate => drop_path.P;

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var a = attn.call(norm1.call(x));
        x = x + drop_path.call(gamma_1 is null ? a : gamma_1 * a);
        var m = mlp.call(norm2.call(x));
        x = x + drop_path.call(gamma_2 is null ? m : gamma_2 * m);
        return x.MoveToOuterDisposeScope();
    }
}
