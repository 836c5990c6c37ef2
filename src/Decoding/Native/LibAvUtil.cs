using System.Runtime.InteropServices;

namespace VideoVCReg.Decoding.Native;

/// <summary>libavutil 57 (FFmpeg 5.1): frames, options, errors, logging, display matrix.</summary>
internal static unsafe partial class LibAvUtil
{
    internal const string Lib = "libavutil.so.57";

    [LibraryImport(Lib)] internal static partial uint avutil_version();
    [LibraryImport(Lib)] internal static partial IntPtr av_frame_alloc();
    [LibraryImport(Lib)] internal static partial void av_frame_free(ref IntPtr frame);
    [LibraryImport(Lib)] internal static partial void av_frame_unref(IntPtr frame);
    [LibraryImport(Lib)] internal static partial int av_strerror(int errnum, byte* errbuf, nuint errbufSize);
    [LibraryImport(Lib)] internal static partial void av_log_set_level(int level);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int av_opt_set_int(IntPtr obj, string name, long value, int searchFlags);
    [LibraryImport(Lib)] internal static partial double av_display_rotation_get(IntPtr matrix);
}
