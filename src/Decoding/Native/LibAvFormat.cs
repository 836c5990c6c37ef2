using System.Runtime.InteropServices;

namespace VideoVCReg.Decoding.Native;

/// <summary>libavformat 59 (FFmpeg 5.1): the few demuxing entry points we use.</summary>
internal static partial class LibAvFormat
{
    internal const string Lib = "libavformat.so.59";

    [LibraryImport(Lib)] internal static partial uint avformat_version();
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int avformat_open_input(ref IntPtr ps, string url, IntPtr fmt, IntPtr options);
    [LibraryImport(Lib)] internal static partial int avformat_find_stream_info(IntPtr ic, IntPtr options);
    [LibraryImport(Lib)] internal static partial void avformat_close_input(ref IntPtr s);
    [LibraryImport(Lib)] internal static partial int av_find_best_stream(IntPtr ic, int type, int wanted, int related, IntPtr decoderRet, int flags);
    [LibraryImport(Lib)] internal static partial int av_read_frame(IntPtr s, IntPtr pkt);
    [LibraryImport(Lib)] internal static partial int av_seek_frame(IntPtr s, int streamIndex, long timestamp, int flags);
    [LibraryImport(Lib)] internal static partial IntPtr av_stream_get_side_data(IntPtr stream, int type, out nuint size);
}
