using VideoVCReg.Decoding.Sampling;
using static TorchSharp.torch;

namespace VideoVCReg.Decoding.Transforms;

/// <summary>Spatial crops of a clip <c>[C, T, H, W]</c>; the same window for every frame.</summary>
public static class Crop
{
    public static Tensor At(Tensor clip, long top, long left, long height, long width)
    {
        if (top < 0 || left < 0 || top + height > clip.shape[2] || left + width > clip.shape[3])
            throw new ArgumentException($"crop {height}x{width} at ({top}, {left}) does not fit a {clip.shape[2]}x{clip.shape[3]} clip");
        return clip.narrow(2, top, height).narrow(3, left, width).contiguous();
    }

    /// <summary>torchvision's CenterCrop: offsets round((H − size) / 2), Python's round-half-to-even.</summary>
    public static (long Top, long Left) CentreOffsets(long height, long width, int size) =>
        ((long)Math.Round((height - size) / 2.0, MidpointRounding.ToEven), (long)Math.Round((width - size) / 2.0, MidpointRounding.ToEven));

    public static Tensor Centre(Tensor clip, int size)
    {
        var (top, left) = CentreOffsets(clip.shape[2], clip.shape[3], size);
        return At(clip, top, left, size, size);
    }

    /// <summary>
    /// Square crop <paramref name="index"/> of <paramref name="count"/> along the longer side, the other side
    /// taken whole (VideoMAE's test crops, which assume the short side already equals <paramref name="size"/>).
    /// </summary>
    public static Tensor AlongLongSide(Tensor clip, int size, int index, int count)
    {
        long h = clip.shape[2], w = clip.shape[3];
        return h >= w
            ? At(clip, TestSampler.Offset((int)(h - size), index, count), 0, size, Math.Min(w, size))
            : At(clip, 0, TestSampler.Offset((int)(w - size), index, count), Math.Min(h, size), size);
    }

    /// <summary>The three test crops: start, middle and end of the longer side.</summary>
    public static Tensor[] Three(Tensor clip, int size) => [.. Enumerable.Range(0, 3).Select(i => AlongLongSide(clip, size, i, 3))];
}
