using System.Runtime.InteropServices;

namespace VideoVCReg.Decoding.Native;

/// <summary>An opened decoder (AVCodecContext); freed with avcodec_free_context.</summary>
internal sealed class CodecContextHandle : SafeHandle
{
    CodecContextHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>Opens the decoder for a stream. <paramref name="threads"/> 0 lets FFmpeg pick (cores + 1).</summary>
    internal static CodecContextHandle Open(StreamView stream, int threads, string path)
    {
        var codec = LibAvCodec.avcodec_find_decoder(stream.CodecId);
        if (codec == IntPtr.Zero) throw new NotSupportedException($"{path}: no decoder for codec '{stream.CodecName}'");
        var h = new CodecContextHandle();
        h.SetHandle(LibAvCodec.avcodec_alloc_context3(codec));
        if (h.IsInvalid) throw new OutOfMemoryException("avcodec_alloc_context3 failed");
        try
        {
            Check(LibAvCodec.avcodec_parameters_to_context(h.handle, stream.CodecParameters), path);
            // Frame and slice threads both stay enabled (FFmpeg's default thread_type); output order is unchanged.
            // FFmpeg 5.1's VP3/Theora decoder gives slightly different pictures (±3 levels) with threads, and
            // differently from run to run: it decodes on one thread, where its output is reproducible.
            if (stream.CodecName is "theora" or "vp3") threads = 1;
            Check(LibAvUtil.av_opt_set_int(h.handle, "threads", threads, 0), path);
            Check(LibAvCodec.avcodec_open2(h.handle, codec, IntPtr.Zero), path);
            return h;
        }
        catch
        {
            h.Dispose();
            throw;
        }
    }

    static void Check(int rc, string path)
    {
        if (rc < 0) throw new InvalidDataException($"{path}: cannot open the video decoder ({AvError.Message(rc)})");
    }

    /// <summary>Sends a packet, or starts draining when <paramref name="packet"/> is null.</summary>
    internal int Send(PacketHandle? packet) => LibAvCodec.avcodec_send_packet(handle, packet?.Pointer ?? IntPtr.Zero);

    internal int Receive(FrameHandle frame) => LibAvCodec.avcodec_receive_frame(handle, frame.Pointer);

    /// <summary>Drops buffered frames and leaves draining mode, as needed after a seek.</summary>
    internal void Flush() => LibAvCodec.avcodec_flush_buffers(handle);

    protected override bool ReleaseHandle()
    {
        LibAvCodec.avcodec_free_context(ref handle);
        return true;
    }
}
