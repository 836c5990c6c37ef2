using static TorchSharp.torch;

namespace VideoVCReg.Decoding;

public sealed partial class VideoReader
{
    /// <summary>
    /// Decodes the frames at <paramref name="indices"/> (any order, repeats allowed) into
    /// <paramref name="rgb"/> as [T, H, W, 3] bytes. Repeated consecutive indices are copied, not decoded again.
    /// </summary>
    public void ReadClip(ReadOnlySpan<long> indices, Span<byte> rgb)
    {
        int n = FrameBytes;
        if (rgb.Length < (long)indices.Length * n) throw new ArgumentException($"clip buffer holds {rgb.Length} bytes, {(long)indices.Length * n} needed");
        for (int t = 0; t < indices.Length; t++)
        {
            var slot = rgb.Slice(t * n, n);
            if (t > 0 && indices[t] == indices[t - 1]) rgb.Slice((t - 1) * n, n).CopyTo(slot);
            else ReadFrame(indices[t], slot);
        }
    }

    /// <summary>The frames at <paramref name="indices"/> as a float tensor [C, T, H, W] with values in [0, 1].</summary>
    public Tensor ReadClip(ReadOnlySpan<long> indices)
    {
        long t = indices.Length;
        // Decode straight into the tensor's memory: no managed copy of the frames.
        using var bytes = empty([t, OutputHeight, OutputWidth, 3], ScalarType.Byte);
        ReadClip(indices, bytes.bytes);
        using var chw = bytes.permute(3, 0, 1, 2);
        var clip = empty([3, t, OutputHeight, OutputWidth], ScalarType.Float32);
        clip.copy_(chw);
        return clip.div_(255f);
    }
}
