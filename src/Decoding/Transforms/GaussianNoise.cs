using VideoVCReg.Runtime.Data;
using static TorchSharp.torch;

namespace VideoVCReg.Decoding.Transforms;

/// <summary>
/// The corruption of the paper's §5.3: N(0, σ²) noise added to the normalised clip. The noise comes from a
/// generator seeded by (seed, video id, view), so an evaluation under noise reproduces exactly, whatever the
/// batch order or worker count.
/// </summary>
public static class GaussianNoise
{
    public static Tensor Add(Tensor clip, double sigma, int seed, string videoId, int view)
    {
        if (sigma < 0) throw new ArgumentException($"noise sigma must be >= 0, got {sigma}");
        if (sigma == 0) return clip.alias();
        using var gen = new Generator((ulong)Seeds.Mix(seed, Seeds.Of(videoId), view));
        using var noise = randn(clip.shape, dtype: clip.dtype, generator: gen);
        return clip.add(noise, alpha: sigma);
    }
}
