using System.Runtime.InteropServices;

namespace VideoVCReg.Decoding.Native;

/// <summary>
/// A decoded picture laid upright (<see cref="Orientation"/>: turns and flips) plane by plane, before RGB conversion
/// and resizing, which is where the ffmpeg CLI's autorotation (transpose and flip filters) turns it.
/// swscale's bicubic filter does not commute with a transpose (measured: up to 159 levels apart after
/// a resize; from 10 bits its dither pattern follows the position), so turning the RGB result afterwards would
/// not give the CLI's picture. Planar 8-, 10- and 12-bit formats whose chroma is subsampled alike in both
/// directions qualify (<see cref="Supports"/>); for the rest the reader turns the RGB output instead.
/// </summary>
internal sealed unsafe class RotatedPlanes : IDisposable
{
    readonly Orientation orientation;
    // swscale's SIMD converters use aligned loads and read whole vectors past a row's end, as FFmpeg's own
    // frame buffers allow: rows are padded to 64 bytes and every plane starts 64-byte aligned.
    const int Align = 64;
    readonly byte*[] planes = new byte*[3];
    readonly nuint[] sizes = new nuint[3];
    readonly IntPtr planePointers = (IntPtr)NativeMemory.AlignedAlloc(4 * (nuint)IntPtr.Size, Align);
    readonly IntPtr strides = (IntPtr)NativeMemory.AlignedAlloc(4 * sizeof(int), Align);

    internal RotatedPlanes(Orientation orientation) => this.orientation = orientation;

    /// <summary>log2 of the chroma subsampling and bytes per sample; a shift of -1 when the format is not handled here.</summary>
    static (int Shift, int Bytes) Planar(int format) => format switch
    {
        Av.PixFmtYuv420P or Av.PixFmtYuvj420P => (1, 1),
        Av.PixFmtYuv444P or Av.PixFmtYuvj444P or Av.PixFmtGray8 => (0, 1),
        Av.PixFmtYuv420P10Le or Av.PixFmtYuv420P12Le => (1, 2),
        Av.PixFmtYuv444P10Le or Av.PixFmtYuv444P12Le => (0, 2),
        _ => (-1, 0),
    };

    internal static bool Supports(int format) => Planar(format).Shift >= 0;

    /// <summary>The frame turned, as a source image for swscale; valid until the next call.</summary>
    internal SwsContextHandle.SourceImage Turn(FrameHandle frame)
    {
        int w = frame.Width, h = frame.Height;
        var (shift, bytes) = Planar(frame.Format);
        int count = frame.Format == Av.PixFmtGray8 ? 1 : 3;
        var outPlanes = (IntPtr*)planePointers;
        var outStrides = (int*)strides;
        for (int p = 0; p < 4; p++) { outPlanes[p] = IntPtr.Zero; outStrides[p] = 0; }
        for (int p = 0; p < count; p++)
        {
            int s = p == 0 ? 0 : shift;
            int pw = (w + (1 << s) - 1) >> s, ph = (h + (1 << s) - 1) >> s;
            var (rw, rh) = orientation.Size(pw, ph);
            int rowBytes = (rw * bytes + Align - 1) / Align * Align;
            nuint size = (nuint)rowBytes * (nuint)(rh + 1);
            if (sizes[p] < size)
            {
                NativeMemory.AlignedFree(planes[p]);
                planes[p] = (byte*)NativeMemory.AlignedAlloc(size, Align);
                sizes[p] = size;
            }
            byte* src = (byte*)Mem.Ptr(frame.Planes, p * IntPtr.Size);
            int stride = Mem.I32(frame.Strides, p * sizeof(int));
            if (bytes == 1) Turn(src, stride, pw, ph, planes[p], rowBytes, rw, rh);
            else Turn((ushort*)src, stride / 2, pw, ph, (ushort*)planes[p], rowBytes / 2, rw, rh);
            outPlanes[p] = (IntPtr)planes[p];
            outStrides[p] = rowBytes;
        }
        var (ow, oh) = orientation.Size(w, h);
        return new SwsContextHandle.SourceImage(planePointers, strides, ow, oh, frame.Format, frame.Colorspace, frame.ColorRange);
    }

    /// <summary>Row y of the output reads the stored plane along one line: a row (no transpose) or a column, either way round.</summary>
    void Turn<T>(T* src, int stride, int w, int h, T* dst, int dstStride, int rw, int rh) where T : unmanaged
    {
        var (transpose, flipX, flipY) = orientation;
        for (int y = 0; y < rh; y++)
        {
            T* row = dst + (long)y * dstStride;
            T* first;
            long step;
            if (!transpose)
            {
                first = src + (long)(flipY ? h - 1 - y : y) * stride + (flipX ? w - 1 : 0);
                step = flipX ? -1 : 1;
            }
            else
            {
                first = src + (long)(flipY ? h - 1 : 0) * stride + (flipX ? w - 1 - y : y);
                step = flipY ? -stride : stride;
            }
            for (int x = 0; x < rw; x++) row[x] = first[x * step];
        }
    }

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    ~RotatedPlanes() => Free();

    void Free()
    {
        for (int p = 0; p < planes.Length; p++) { NativeMemory.AlignedFree(planes[p]); planes[p] = null; sizes[p] = 0; }
        NativeMemory.AlignedFree((void*)planePointers);
        NativeMemory.AlignedFree((void*)strides);
    }
}
