using System.Runtime.InteropServices;

namespace VideoVCReg.Decoding.Native;

/// <summary>libavcodec 59 (FFmpeg 5.1): decoder set-up, send/receive, packets.</summary>
internal static partial class LibAvCodec
{
    internal const string Lib = "libavcodec.so.59";

    [LibraryImport(Lib)] internal static partial uint avcodec_version();
    [LibraryImport(Lib)] internal static partial IntPtr avcodec_find_decoder(int id);
    [LibraryImport(Lib)] internal static partial IntPtr avcodec_get_name(int id);
    [LibraryImport(Lib)] internal static partial IntPtr avcodec_alloc_context3(IntPtr codec);
    [LibraryImport(Lib)] internal static partial void avcodec_free_context(ref IntPtr avctx);
    [LibraryImport(Lib)] internal static partial int avcodec_parameters_to_context(IntPtr codec, IntPtr par);
    [LibraryImport(Lib)] internal static partial int avcodec_open2(IntPtr avctx, IntPtr codec, IntPtr options);
    [LibraryImport(Lib)] internal static partial int avcodec_send_packet(IntPtr avctx, IntPtr avpkt);
    [LibraryImport(Lib)] internal static partial int avcodec_receive_frame(IntPtr avctx, IntPtr frame);
    [LibraryImport(Lib)] internal static partial void avcodec_flush_buffers(IntPtr avctx);
    [LibraryImport(Lib)] internal static partial IntPtr av_packet_alloc();
    [LibraryImport(Lib)] internal static partial void av_packet_free(ref IntPtr pkt);
    [LibraryImport(Lib)] internal static partial void av_packet_unref(IntPtr pkt);
    [LibraryImport(Lib)] internal static partial IntPtr av_packet_get_side_data(IntPtr pkt, int type, out nuint size);
    [LibraryImport(Lib)] internal static partial IntPtr av_packet_new_side_data(IntPtr pkt, int type, nuint size);
    [LibraryImport(Lib)] internal static partial IntPtr avcodec_descriptor_get(int id);
    [LibraryImport(Lib)] internal static partial int avcodec_parameters_copy(IntPtr dst, IntPtr src);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr av_bsf_get_by_name(string name);
    [LibraryImport(Lib)] internal static partial int av_bsf_alloc(IntPtr filter, out IntPtr ctx);
    [LibraryImport(Lib)] internal static partial int av_bsf_init(IntPtr ctx);
    [LibraryImport(Lib)] internal static partial int av_bsf_send_packet(IntPtr ctx, IntPtr pkt);
    [LibraryImport(Lib)] internal static partial int av_bsf_receive_packet(IntPtr ctx, IntPtr pkt);
    [LibraryImport(Lib)] internal static partial void av_bsf_flush(IntPtr ctx);
    [LibraryImport(Lib)] internal static partial void av_bsf_free(ref IntPtr ctx);
}
