using System.Runtime.InteropServices;

namespace VideoVCReg.Decoding.Native;

/// <summary>An open AVFormatContext (demuxer); closed with avformat_close_input.</summary>
internal sealed class FormatContextHandle : SafeHandle
{
    FormatContextHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>Opens and probes a file; returns the FFmpeg error code on failure.</summary>
    internal static int TryOpen(string path, out FormatContextHandle? context)
    {
        FfmpegRuntime.EnsureLoaded();
        context = null;
        IntPtr ctx = IntPtr.Zero;
        // "file:" keeps a path with a colon from being read as another protocol (http:, pipe:, ...).
        int rc = LibAvFormat.avformat_open_input(ref ctx, "file:" + Path.GetFullPath(path), IntPtr.Zero, IntPtr.Zero);
        if (rc < 0) return rc;
        var h = new FormatContextHandle();
        h.SetHandle(ctx);
        rc = LibAvFormat.avformat_find_stream_info(ctx, IntPtr.Zero);
        if (rc < 0) { h.Dispose(); return rc; }
        context = h;
        return 0;
    }

    internal int StreamCount => Mem.I32(handle, Layout.FormatContextNbStreams);

    /// <summary>Container duration in AV_TIME_BASE (µs) units, or AV_NOPTS_VALUE.</summary>
    internal long Duration => Mem.I64(handle, Layout.FormatContextDuration);

    /// <summary>True when <see cref="Duration"/> comes from the header, not estimated from the packets' timestamps or the bitrate.</summary>
    internal bool DurationFromHeader => Mem.I32(handle, Layout.FormatContextDurationEstimationMethod) == Av.DurationFromStream;

    internal StreamView Stream(int index)
    {
        if ((uint)index >= (uint)StreamCount) throw new ArgumentOutOfRangeException(nameof(index));
        return new StreamView(Mem.Ptr(Mem.Ptr(handle, Layout.FormatContextStreams), index * IntPtr.Size));
    }

    /// <summary>The stream FFmpeg would pick for video, or a negative error code (no video stream).</summary>
    internal int BestVideoStream() => LibAvFormat.av_find_best_stream(handle, Av.MediaTypeVideo, -1, -1, IntPtr.Zero, 0);

    internal int ReadPacket(PacketHandle packet) => LibAvFormat.av_read_frame(handle, packet.Pointer);

    /// <summary>Seeks to the keyframe at or before <paramref name="timestamp"/> (stream time base).</summary>
    internal int SeekBackward(int stream, long timestamp) => LibAvFormat.av_seek_frame(handle, stream, timestamp, Av.SeekFlagBackward);

    protected override bool ReleaseHandle()
    {
        LibAvFormat.avformat_close_input(ref handle);
        return true;
    }
}
