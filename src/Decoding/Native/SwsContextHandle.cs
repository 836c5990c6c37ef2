using System.Runtime.InteropServices;

namespace VideoVCReg.Decoding.Native;

/// <summary>
/// A swscale context converting decoded frames to packed RGB24 at a fixed output size, resizing in
/// the same pass. It is rebuilt only when the source format, size or colour description changes.
/// </summary>
internal sealed unsafe class SwsContextHandle : SafeHandle
{
    int srcW, srcH, srcFormat = -1, colorspace = -1, range = -1;
    readonly int dstW, dstH, flags;
    // swscale's unscaled x86 converters (yuv420p/422p → RGB) work in whole groups of pixels: they skip a row's
    // tail that does not fit the stride, and at some widths write past the row (120 pixels wide: past the
    // end of a packed image, which corrupted the managed heap). Rows padded to a multiple of 32 pixels, as
    // the ffmpeg CLI's frame buffers are, get every pixel and keep every write inside; such a scratch image
    // (with a spare row) is kept here when the width needs it.
    readonly int paddedStride;
    readonly byte[]? scratch;

    internal SwsContextHandle(int width, int height, int flags) : base(IntPtr.Zero, ownsHandle: true)
    {
        FfmpegRuntime.EnsureLoaded();
        (dstW, dstH, this.flags) = (width, height, flags);
        paddedStride = (width + 31) / 32 * 32 * 3;
        if (paddedStride != width * 3) scratch = GC.AllocateUninitializedArray<byte>(checked(paddedStride * (height + 1) + 64), pinned: true);
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>Converts <paramref name="frame"/> into <paramref name="rgb"/> (dstW·dstH·3 bytes, rows packed).</summary>
    internal bool TryScale(FrameHandle frame, Span<byte> rgb) =>
        TryScale(new SourceImage(frame.Planes, frame.Strides, frame.Width, frame.Height, frame.Format, frame.Colorspace, frame.ColorRange), rgb);

    /// <summary>A picture to convert: plane pointers and strides (4 each) with the frame's description.</summary>
    internal readonly record struct SourceImage(IntPtr Planes, IntPtr Strides, int Width, int Height, int Format, int Colorspace, int ColorRange);

    internal bool TryScale(SourceImage src, Span<byte> rgb)
    {
        if (rgb.Length < dstW * dstH * 3) throw new ArgumentException($"RGB buffer holds {rgb.Length} bytes, {dstW * dstH * 3} needed");
        if (!Prepare(src)) return false;
        int row = dstW * 3;
        fixed (byte* dst = scratch is null ? rgb : scratch)
        {
            byte** planes = stackalloc byte*[4] { dst, null, null, null };
            int* strides = stackalloc int[4] { scratch is null ? row : paddedStride, 0, 0, 0 };
            if (LibSwScale.sws_scale(handle, src.Planes, src.Strides, 0, src.Height, (IntPtr)planes, (IntPtr)strides) != dstH) return false;
        }
        if (scratch is not null)
            for (int y = 0; y < dstH; y++) scratch.AsSpan(y * paddedStride, row).CopyTo(rgb.Slice(y * row, row));
        return true;
    }

    bool Prepare(SourceImage src)
    {
        var (w, h, fmt, cs, cr) = (src.Width, src.Height, src.Format, src.Colorspace, src.ColorRange);
        if (w == srcW && h == srcH && fmt == srcFormat && cs == colorspace && cr == range && !IsInvalid) return true;
        if (w <= 0 || h <= 0 || fmt < 0) return false;
        var ctx = LibSwScale.sws_getCachedContext(handle, w, h, fmt, dstW, dstH, Av.PixFmtRgb24, flags, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero);
        SetHandle(ctx); // sws_getCachedContext freed the old context if it made a new one
        if (ctx == IntPtr.Zero) { srcFormat = -1; return false; }
        // Same colour handling as the ffmpeg CLI's scale filter (5.1): the frame's matrix (BT.601 when
        // unspecified) and its range when tagged, else what swscale inferred from the pixel format (yuvj*).
        LibSwScale.sws_getColorspaceDetails(ctx, out _, out int srcFull, out var table, out int dstFull, out int brightness, out int contrast, out int saturation);
        if (cr == Av.ColorRangeJpeg) srcFull = 1;
        else if (cr == Av.ColorRangeMpeg) srcFull = 0;
        LibSwScale.sws_setColorspaceDetails(ctx, LibSwScale.sws_getCoefficients(cs), srcFull, table, dstFull, brightness, contrast, saturation);
        (srcW, srcH, srcFormat, colorspace, range) = (w, h, fmt, cs, cr);
        return true;
    }

    protected override bool ReleaseHandle()
    {
        LibSwScale.sws_freeContext(handle);
        return true;
    }
}
