using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using VideoVCReg.Models.Layers;

namespace VideoVCReg.Models;

/// <summary>Tubelet embedding: a Conv3d whose kernel equals its stride (tubelet × patch × patch).</summary>
public sealed class PatchEmbed3d : nn.Module<Tensor, Tensor>
{
    readonly AutocastConv3d proj; // patch_embed.proj

    public PatchEmbed3d(ModelConfig c) : base("PatchEmbed3d")
    {
        proj = new AutocastConv3d(c.InChans, c.EmbedDim, (c.Tubelet, c.PatchSize, c.PatchSize), (c.Tubelet, c.PatchSize, c.PatchSize));
        RegisterComponents();
    }

    /// <summary>[B, C, T, H, W] → [B, N, D], tokens ordered (t, h, w) like the original flatten(2).</summary>
    public override Tensor forward(Tensor x) => proj.call(x).flatten(2).transpose(1, 2);
}
