namespace VideoVCReg.Decoding.Native;

/// <summary>
/// Byte offsets of the FFmpeg 5.1 struct fields we read (x86-64, libavformat 59 / libavcodec 59 /
/// libavutil 57). FFmpeg's public structs change between majors, which is why
/// <see cref="FfmpegRuntime"/> refuses other majors and a test compiles a C probe against the
/// installed headers and compares every entry of <see cref="All"/>.
/// </summary>
internal static class Layout
{
    internal const int FormatContextNbStreams = 44;
    internal const int FormatContextStreams = 48;
    internal const int FormatContextDuration = 72;
    internal const int FormatContextDurationEstimationMethod = 272;

    internal const int StreamTimeBase = 16;
    internal const int StreamDisposition = 48;
    internal const int StreamNbFrames = 40;
    internal const int StreamDuration = 32;
    internal const int StreamAvgFrameRate = 72;
    internal const int StreamRFrameRate = 200;
    internal const int StreamCodecpar = 208;

    internal const int CodecParametersCodecType = 0;
    internal const int CodecParametersCodecId = 4;
    internal const int CodecParametersWidth = 56;
    internal const int CodecParametersHeight = 60;
    internal const int CodecParametersVideoDelay = 96;

    internal const int CodecDescriptorProps = 24;

    internal const int BsfContextParIn = 24;

    internal const int PacketPts = 8;
    internal const int PacketDts = 16;
    internal const int PacketSize = 32;
    internal const int PacketStreamIndex = 36;
    internal const int PacketFlags = 40;
    internal const int PacketDuration = 64;
    internal const int PacketPos = 72;

    internal const int FrameData = 0;
    internal const int FrameLinesize = 64;
    internal const int FrameWidth = 104;
    internal const int FrameHeight = 108;
    internal const int FrameFormat = 116;
    internal const int FramePts = 136;
    internal const int FrameColorRange = 320;
    internal const int FrameColorspace = 332;
    internal const int FrameBestEffortTimestamp = 344;

    /// <summary>Every offset above under its C name (`struct.field`), for the layout test.</summary>
    internal static IReadOnlyDictionary<string, int> All { get; } = new Dictionary<string, int>
    {
        ["AVFormatContext.nb_streams"] = FormatContextNbStreams,
        ["AVFormatContext.streams"] = FormatContextStreams,
        ["AVFormatContext.duration"] = FormatContextDuration,
        ["AVFormatContext.duration_estimation_method"] = FormatContextDurationEstimationMethod,
        ["AVStream.time_base"] = StreamTimeBase,
        ["AVStream.disposition"] = StreamDisposition,
        ["AVStream.nb_frames"] = StreamNbFrames,
        ["AVStream.duration"] = StreamDuration,
        ["AVStream.avg_frame_rate"] = StreamAvgFrameRate,
        ["AVStream.r_frame_rate"] = StreamRFrameRate,
        ["AVStream.codecpar"] = StreamCodecpar,
        ["AVCodecParameters.codec_type"] = CodecParametersCodecType,
        ["AVCodecParameters.codec_id"] = CodecParametersCodecId,
        ["AVCodecParameters.width"] = CodecParametersWidth,
        ["AVCodecParameters.height"] = CodecParametersHeight,
        ["AVCodecParameters.video_delay"] = CodecParametersVideoDelay,
        ["AVCodecDescriptor.props"] = CodecDescriptorProps,
        ["AVBSFContext.par_in"] = BsfContextParIn,
        ["AVPacket.pts"] = PacketPts,
        ["AVPacket.dts"] = PacketDts,
        ["AVPacket.size"] = PacketSize,
        ["AVPacket.stream_index"] = PacketStreamIndex,
        ["AVPacket.flags"] = PacketFlags,
        ["AVPacket.duration"] = PacketDuration,
        ["AVPacket.pos"] = PacketPos,
        ["AVFrame.data"] = FrameData,
        ["AVFrame.linesize"] = FrameLinesize,
        ["AVFrame.width"] = FrameWidth,
        ["AVFrame.height"] = FrameHeight,
        ["AVFrame.format"] = FrameFormat,
        ["AVFrame.pts"] = FramePts,
        ["AVFrame.color_range"] = FrameColorRange,
        ["AVFrame.colorspace"] = FrameColorspace,
        ["AVFrame.best_effort_timestamp"] = FrameBestEffortTimestamp,
    };

    /// <summary>Constants from the headers that the C# side hard-codes, checked by the same probe.</summary>
    internal static IReadOnlyDictionary<string, long> Constants { get; } = new Dictionary<string, long>
    {
        ["AVMEDIA_TYPE_VIDEO"] = Av.MediaTypeVideo,
        ["AV_PIX_FMT_RGB24"] = Av.PixFmtRgb24,
        ["AV_PIX_FMT_YUV420P"] = Av.PixFmtYuv420P,
        ["AV_PIX_FMT_YUV444P"] = Av.PixFmtYuv444P,
        ["AV_PIX_FMT_GRAY8"] = Av.PixFmtGray8,
        ["AV_PIX_FMT_YUVJ420P"] = Av.PixFmtYuvj420P,
        ["AV_PIX_FMT_YUVJ444P"] = Av.PixFmtYuvj444P,
        ["AV_PIX_FMT_YUV420P10LE"] = Av.PixFmtYuv420P10Le,
        ["AV_PIX_FMT_YUV444P10LE"] = Av.PixFmtYuv444P10Le,
        ["AV_PIX_FMT_YUV420P12LE"] = Av.PixFmtYuv420P12Le,
        ["AV_PIX_FMT_YUV444P12LE"] = Av.PixFmtYuv444P12Le,
        ["AV_PKT_DATA_DISPLAYMATRIX"] = Av.PacketDataDisplayMatrix,
        ["AV_PKT_DATA_PALETTE"] = Av.PacketDataPalette,
        ["AVFMT_DURATION_FROM_STREAM"] = Av.DurationFromStream,
        ["AVPALETTE_SIZE"] = Av.PaletteSize,
        ["AV_CODEC_PROP_INTRA_ONLY"] = Av.CodecPropIntraOnly,
        ["AV_CODEC_PROP_REORDER"] = Av.CodecPropReorder,
        ["AV_DISPOSITION_ATTACHED_PIC"] = Av.DispositionAttachedPic,
        ["AV_PKT_FLAG_KEY"] = Av.PacketFlagKey,
        ["AV_PKT_FLAG_DISCARD"] = Av.PacketFlagDiscard,
        ["AVCOL_RANGE_MPEG"] = Av.ColorRangeMpeg,
        ["AVCOL_RANGE_JPEG"] = Av.ColorRangeJpeg,
        ["AVSEEK_FLAG_BACKWARD"] = Av.SeekFlagBackward,
        ["AVERROR_EOF"] = Av.ErrorEof,
        ["AVERROR(EAGAIN)"] = Av.ErrorAgain,
        ["AV_NOPTS_VALUE"] = Av.NoPts,
        ["AV_CODEC_ID_MPEG4"] = Av.CodecIdMpeg4,
        ["AV_LOG_QUIET"] = Av.LogQuiet,
        ["SWS_BICUBIC"] = Av.SwsBicubic,
        ["SWS_BILINEAR"] = Av.SwsBilinear,
        ["LIBAVFORMAT_VERSION_MAJOR"] = FfmpegRuntime.FormatMajor,
        ["LIBAVCODEC_VERSION_MAJOR"] = FfmpegRuntime.CodecMajor,
        ["LIBAVUTIL_VERSION_MAJOR"] = FfmpegRuntime.UtilMajor,
        ["LIBSWSCALE_VERSION_MAJOR"] = FfmpegRuntime.ScaleMajor,
    };
}
