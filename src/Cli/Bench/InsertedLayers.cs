using TorchSharp;
using VideoVCReg.Models.Regularization;
using static TorchSharp.torch;

namespace VideoVCReg.Cli.Bench;

/// <summary>Table 8's baselines as "regularizers" at the same sites: identity, and BatchNorm over the feature axis.</summary>
sealed class PassThrough : FeatureRegularizer
{
    public override Tensor Apply(Tensor features) => features;
}

sealed class InsertedBatchNorm : FeatureRegularizer
{
    readonly Dictionary<long, nn.Module<Tensor, Tensor>> norms = new();
    readonly Device device;

    public InsertedBatchNorm(Device device) => this.device = device;

    public IEnumerable<Tensor> Parameters() => norms.Values.SelectMany(m => m.parameters());

    nn.Module<Tensor, Tensor> NormFor(long channels, bool tokens)
    {
        long key = tokens ? -channels : channels;
        if (!norms.TryGetValue(key, out var bn))
            norms[key] = bn = (tokens ? (nn.Module<Tensor, Tensor>)nn.BatchNorm1d(channels) : nn.BatchNorm2d(channels)).to(device);
        return bn;
    }

    public override Tensor Apply(Tensor x) => x.dim() == 3
        ? NormFor(x.shape[2], tokens: true).call(x.transpose(1, 2)).transpose(1, 2) // tokens [B, N, D]
        : NormFor(x.shape[1], tokens: false).call(x);                               // maps [B, C, H, W]
}
