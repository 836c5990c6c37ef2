namespace VideoVCReg.Decoding;

/// <summary>
/// Lays a packed RGB24 picture upright (<see cref="Orientation"/>): the reader's fallback for pixel formats that
/// <c>RotatedPlanes</c> cannot turn before conversion (4:2:2, semi-planar, packed and palette formats). Pixels are
/// moved, never interpolated. The ffmpeg CLI turns the decoded planes before its RGB conversion; converting first
/// gives the same picture only where the conversion works pixel by pixel, which chroma upsampled along the stored
/// rows (4:2:2) is not: such frames come within a few levels of the CLI's, not byte-identical to them. (10-bit
/// 4:2:0 used to come this way, a mean of 2.5 levels off; it is now turned as planes.)
/// </summary>
public static class FrameRotation
{
    /// <summary>Size after turning a <paramref name="width"/>×<paramref name="height"/> picture by <paramref name="clockwise"/> degrees.</summary>
    public static (int Width, int Height) Size(int width, int height, int clockwise) =>
        clockwise is 90 or 270 ? (height, width) : (width, height);

    /// <summary>Turns the picture clockwise by 0, 90, 180 or 270 degrees.</summary>
    public static void Rotate(ReadOnlySpan<byte> src, int width, int height, int clockwise, Span<byte> dst) =>
        Orient(src, width, height, Orientation.Clockwise(clockwise), dst);

    public static void Orient(ReadOnlySpan<byte> src, int width, int height, Orientation orientation, Span<byte> dst)
    {
        var (w, h) = orientation.Size(width, height);
        if (src.Length < width * height * 3 || dst.Length < w * h * 3) throw new ArgumentException("RGB buffers too small for the rotation");
        for (int y = 0; y < h; y++)
        {
            var row = dst.Slice(y * w * 3, w * 3);
            for (int x = 0; x < w; x++)
            {
                var (u, v) = orientation.Transpose ? (y, x) : (x, y);
                int sx = orientation.FlipX ? width - 1 - u : u, sy = orientation.FlipY ? height - 1 - v : v;
                src.Slice((sy * width + sx) * 3, 3).CopyTo(row.Slice(x * 3, 3));
            }
        }
    }
}
