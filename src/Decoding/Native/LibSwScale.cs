using System.Runtime.InteropServices;

namespace VideoVCReg.Decoding.Native;

/// <summary>libswscale 6 (FFmpeg 5.1): pixel-format conversion and resizing.</summary>
internal static partial class LibSwScale
{
    internal const string Lib = "libswscale.so.6";

    [LibraryImport(Lib)] internal static partial uint swscale_version();
    [LibraryImport(Lib)]
    internal static partial IntPtr sws_getCachedContext(IntPtr context, int srcW, int srcH, int srcFormat,
        int dstW, int dstH, int dstFormat, int flags, IntPtr srcFilter, IntPtr dstFilter, IntPtr param);
    [LibraryImport(Lib)] internal static partial void sws_freeContext(IntPtr context);
    [LibraryImport(Lib)]
    internal static partial int sws_scale(IntPtr c, IntPtr srcSlice, IntPtr srcStride, int srcSliceY, int srcSliceH,
        IntPtr dst, IntPtr dstStride);
    [LibraryImport(Lib)] internal static partial IntPtr sws_getCoefficients(int colorspace);
    [LibraryImport(Lib)]
    internal static partial int sws_getColorspaceDetails(IntPtr c, out IntPtr invTable, out int srcRange,
        out IntPtr table, out int dstRange, out int brightness, out int contrast, out int saturation);
    [LibraryImport(Lib)]
    internal static partial int sws_setColorspaceDetails(IntPtr c, IntPtr invTable, int srcRange,
        IntPtr table, int dstRange, int brightness, int contrast, int saturation);
}
