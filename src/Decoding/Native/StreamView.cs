namespace VideoVCReg.Decoding.Native;

/// <summary>Read-only view of an AVStream owned by its <see cref="FormatContextHandle"/>; valid while that is open.</summary>
internal readonly struct StreamView(IntPtr stream)
{
    internal IntPtr CodecParameters => Mem.Ptr(stream, Layout.StreamCodecpar);
    internal int CodecType => Mem.I32(CodecParameters, Layout.CodecParametersCodecType);
    internal int CodecId => Mem.I32(CodecParameters, Layout.CodecParametersCodecId);
    internal int Width => Mem.I32(CodecParameters, Layout.CodecParametersWidth);
    internal int Height => Mem.I32(CodecParameters, Layout.CodecParametersHeight);
    internal double TimeBase => Mem.Rational(stream, Layout.StreamTimeBase);
    internal long NbFrames => Mem.I64(stream, Layout.StreamNbFrames);
    internal long Duration => Mem.I64(stream, Layout.StreamDuration);
    internal double AvgFrameRate => Mem.Rational(stream, Layout.StreamAvgFrameRate);
    internal double RFrameRate => Mem.Rational(stream, Layout.StreamRFrameRate);

    internal string CodecName => System.Runtime.InteropServices.Marshal.PtrToStringUTF8(LibAvCodec.avcodec_get_name(CodecId)) ?? "unknown";

    /// <summary>Clockwise rotation in degrees (0, 90, 180, 270) from the display-matrix side data; 0 when absent.</summary>
    internal int Rotation
    {
        get
        {
            var matrix = LibAvFormat.av_stream_get_side_data(stream, Av.PacketDataDisplayMatrix, out var size);
            if (matrix == IntPtr.Zero || size < 9 * sizeof(int)) return 0;
            double angle = LibAvUtil.av_display_rotation_get(matrix);
            if (double.IsNaN(angle)) return 0;
            // av_display_rotation_get is counter-clockwise; players (and ffprobe's "rotation") turn it around.
            int degrees = (int)Math.Round(-angle) % 360;
            return degrees < 0 ? degrees + 360 : degrees;
        }
    }
}
