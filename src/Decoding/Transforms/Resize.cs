using static TorchSharp.torch;

namespace VideoVCReg.Decoding.Transforms;

/// <summary>Bilinear resizes of a clip <c>[C, T, H, W]</c>; frames are resized as one batch.</summary>
public static class Resize
{
    /// <summary>The shorter side becomes <paramref name="size"/>, the aspect is kept (rounded as the reader's swscale pass rounds).</summary>
    public static Tensor ShortSide(Tensor clip, int size)
    {
        long h = clip.shape[2], w = clip.shape[3];
        (long oh, long ow) = h <= w ? ((long)size, (long)Math.Round((double)w * size / h)) : ((long)Math.Round((double)h * size / w), (long)size);
        return To(clip, oh, ow);
    }

    public static Tensor To(Tensor clip, long height, long width)
    {
        if (clip.shape[2] == height && clip.shape[3] == width) return clip.alias();
        using var frames = clip.permute(1, 0, 2, 3);                   // (T, C, H, W)
        using var resized = nn.functional.interpolate(frames, [height, width], mode: InterpolationMode.Bilinear, align_corners: false);
        return resized.permute(1, 0, 2, 3).contiguous();               // (C, T, h, w)
    }
}
