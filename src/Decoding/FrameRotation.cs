namespace VideoVCReg.Decoding;

/// <summary>
/// Turns a packed RGB24 picture clockwise by 90, 180 or 270 degrees: the display rotation of phone
/// videos, applied after conversion. Pixels are moved, never interpolated, so the result equals the
/// ffmpeg CLI's autorotation (transpose/flip filters before its RGB conversion) to the byte.
/// </summary>
public static class FrameRotation
{
    /// <summary>Size after turning a <paramref name="width"/>×<paramref name="height"/> picture by <paramref name="clockwise"/> degrees.</summary>
    public static (int Width, int Height) Size(int width, int height, int clockwise) =>
        clockwise is 90 or 270 ? (height, width) : (width, height);

    public static void Rotate(ReadOnlySpan<byte> src, int width, int height, int clockwise, Span<byte> dst)
    {
        var (w, h) = Size(width, height, clockwise);
        if (src.Length < width * height * 3 || dst.Length < w * h * 3) throw new ArgumentException("RGB buffers too small for the rotation");
        for (int y = 0; y < h; y++)
        {
            var row = dst.Slice(y * w * 3, w * 3);
            for (int x = 0; x < w; x++)
            {
                // (sx, sy): the source pixel that lands on (x, y).
                var (sx, sy) = clockwise switch
                {
                    90 => (y, height - 1 - x),
                    180 => (width - 1 - x, height - 1 - y),
                    270 => (width - 1 - y, x),
                    0 => (x, y),
                    _ => throw new ArgumentOutOfRangeException(nameof(clockwise), clockwise, "rotation must be 0, 90, 180 or 270"),
                };
                src.Slice((sy * width + sx) * 3, 3).CopyTo(row.Slice(x * 3, 3));
            }
        }
    }
}
