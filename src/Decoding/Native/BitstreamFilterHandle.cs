using System.Runtime.InteropServices;

namespace VideoVCReg.Decoding.Native;

/// <summary>
/// A bitstream filter (AVBSFContext) between the demuxer and the decoder; freed with av_bsf_free.
/// Packets sent in are owned by the filter; packets received out are the caller's to unref.
/// </summary>
internal sealed class BitstreamFilterHandle : SafeHandle
{
    BitstreamFilterHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>Opens filter <paramref name="name"/> for <paramref name="stream"/>'s codec parameters.</summary>
    internal static BitstreamFilterHandle Open(string name, StreamView stream, string path)
    {
        FfmpegRuntime.EnsureLoaded();
        var filter = LibAvCodec.av_bsf_get_by_name(name);
        if (filter == IntPtr.Zero) throw new NotSupportedException($"{path}: this FFmpeg lacks the '{name}' bitstream filter");
        Check(LibAvCodec.av_bsf_alloc(filter, out var ctx), name, path);
        var h = new BitstreamFilterHandle();
        h.SetHandle(ctx);
        try
        {
            Check(LibAvCodec.avcodec_parameters_copy(Mem.Ptr(ctx, Layout.BsfContextParIn), stream.CodecParameters), name, path);
            Check(LibAvCodec.av_bsf_init(ctx), name, path);
            return h;
        }
        catch
        {
            h.Dispose();
            throw;
        }
    }

    static void Check(int rc, string name, string path)
    {
        if (rc < 0) throw new InvalidDataException($"{path}: cannot start the '{name}' bitstream filter ({AvError.Message(rc)})");
    }

    /// <summary>Hands a packet over (null: end of input). On success the packet is left empty.</summary>
    internal int Send(PacketHandle? packet) => LibAvCodec.av_bsf_send_packet(handle, packet?.Pointer ?? IntPtr.Zero);

    internal int Receive(PacketHandle packet) => LibAvCodec.av_bsf_receive_packet(handle, packet.Pointer);

    /// <summary>Drops held packets and leaves the end-of-input state, as needed after a seek.</summary>
    internal void Flush() => LibAvCodec.av_bsf_flush(handle);

    protected override bool ReleaseHandle()
    {
        LibAvCodec.av_bsf_free(ref handle);
        return true;
    }
}
