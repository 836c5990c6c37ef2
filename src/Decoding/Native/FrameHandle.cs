using System.Runtime.InteropServices;

namespace VideoVCReg.Decoding.Native;

/// <summary>A reusable AVFrame that the decoder fills; freed with av_frame_free.</summary>
internal sealed class FrameHandle : SafeHandle
{
    FrameHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    internal static FrameHandle Alloc()
    {
        FfmpegRuntime.EnsureLoaded();
        var h = new FrameHandle();
        h.SetHandle(LibAvUtil.av_frame_alloc());
        if (h.IsInvalid) throw new OutOfMemoryException("av_frame_alloc failed");
        return h;
    }

    public override bool IsInvalid => handle == IntPtr.Zero;
    internal IntPtr Pointer => handle;

    internal int Width => Mem.I32(handle, Layout.FrameWidth);
    internal int Height => Mem.I32(handle, Layout.FrameHeight);
    internal int Format => Mem.I32(handle, Layout.FrameFormat);
    internal int ColorRange => Mem.I32(handle, Layout.FrameColorRange);
    internal int Colorspace => Mem.I32(handle, Layout.FrameColorspace);

    /// <summary>The pts as the decoder passed it on from the frame's packet.</summary>
    internal long Pts => Mem.I64(handle, Layout.FramePts);

    /// <summary>The frame's presentation time; FFmpeg's best guess when the decoder left pts unset.</summary>
    internal long Timestamp
    {
        get
        {
            long pts = Mem.I64(handle, Layout.FramePts);
            return pts != Av.NoPts ? pts : Mem.I64(handle, Layout.FrameBestEffortTimestamp);
        }
    }

    internal IntPtr Planes => handle + Layout.FrameData;
    internal IntPtr Strides => handle + Layout.FrameLinesize;

    internal void Unref() => LibAvUtil.av_frame_unref(handle);

    protected override bool ReleaseHandle()
    {
        LibAvUtil.av_frame_free(ref handle);
        return true;
    }
}
