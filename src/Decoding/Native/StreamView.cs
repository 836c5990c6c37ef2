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
    /// <summary>Frames the decoder may hold back to reorder (has_b_frames); 0 when output order is decode order.</summary>
    internal int VideoDelay => Mem.I32(CodecParameters, Layout.CodecParametersVideoDelay);
    /// <summary>A still picture attached to the file (cover art), not a video.</summary>
    internal bool IsAttachedPicture => (Mem.I32(stream, Layout.StreamDisposition) & Av.DispositionAttachedPic) != 0;

    /// <summary>The codec's AV_CODEC_PROP_* flags from FFmpeg's codec descriptor; 0 when unknown.</summary>
    internal int CodecProperties
    {
        get
        {
            var descriptor = LibAvCodec.avcodec_descriptor_get(CodecId);
            return descriptor == IntPtr.Zero ? 0 : Mem.I32(descriptor, Layout.CodecDescriptorProps);
        }
    }

    internal string CodecName => System.Runtime.InteropServices.Marshal.PtrToStringUTF8(LibAvCodec.avcodec_get_name(CodecId)) ?? "unknown";

    /// <summary>av_display_rotation_get of the display matrix: degrees counter-clockwise; NaN when there is none.</summary>
    internal unsafe double DisplayRotation
    {
        get
        {
            var matrix = LibAvFormat.av_stream_get_side_data(stream, Av.PacketDataDisplayMatrix, out var size);
            return matrix == IntPtr.Zero || size < 9 * sizeof(int) ? double.NaN : LibAvUtil.av_display_rotation_get(matrix);
        }
    }

    /// <summary>The display matrix (9 values, 16.16 and 2.30 fixed point), or null when the stream has none.</summary>
    internal int[]? DisplayMatrix
    {
        get
        {
            var matrix = LibAvFormat.av_stream_get_side_data(stream, Av.PacketDataDisplayMatrix, out var size);
            if (matrix == IntPtr.Zero || size < 9 * sizeof(int)) return null;
            var values = new int[9];
            System.Runtime.InteropServices.Marshal.Copy(matrix, values, 0, 9);
            return values;
        }
    }
}
