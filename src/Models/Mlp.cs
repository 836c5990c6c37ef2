using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using VideoVCReg.Models.Layers;

namespace VideoVCReg.Models;

/// <summary>fc1 → GELU → fc2 (ratio 4). The activation is a function, not a module: it has no weights.</summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    readonly AutocastLinear fc1, fc2; // blocks.N.mlp.fc1 / fc2
    readonly Func<Tensor, Tensor> act;

    public Mlp(ModelConfig c) : base("Mlp")
    {
        int hidden = (int)(c.EmbedDim * c.MlpRatio);
        fc1 = new AutocastLinear(c.EmbedDim, hidden);
        fc2 = new AutocastLinear(hidden, c.EmbedDim);
        act = c.Activation == "gelu_tanh" ? GeluTanh : x => nn.functional.gelu(x);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => fc2.call(act(fc1.call(x)));

    /// <summary>transformers' gelu_fast, the tanh approximation ViViT was trained with (JAX's default gelu).</summary>
    internal static Tensor GeluTanh(Tensor x)
    {
        using var scope = NewDisposeScope();
        var inner = x * 0.7978845608 * (1.0 + 0.044715 * x * x);
        return (0.5 * x * (1.0 + inner.tanh())).MoveToOuterDisposeScope();
    }
}
