namespace VideoVCReg.Decoding.Native;

/// <summary>Header constants (enum values, flags, error codes) of FFmpeg 5.1; checked by the layout test.</summary>
internal static class Av
{
    internal const int MediaTypeVideo = 0;
    internal const int CodecIdMpeg4 = 12;
    internal const int PixFmtRgb24 = 2;
    internal const int PixFmtYuv420P = 0;
    internal const int PixFmtYuv444P = 5;
    internal const int PixFmtGray8 = 8;
    internal const int PixFmtYuvj420P = 12;
    internal const int PixFmtYuvj444P = 14;
    internal const int PixFmtYuv420P10Le = 62;
    internal const int PixFmtYuv444P10Le = 68;
    internal const int PixFmtYuv420P12Le = 123;
    internal const int PixFmtYuv444P12Le = 131;
    internal const int PacketDataDisplayMatrix = 5;
    internal const int PacketDataPalette = 0;
    internal const int PaletteSize = 1024;
    internal const int DurationFromStream = 1;
    internal const int CodecPropIntraOnly = 1 << 0;
    internal const int CodecPropReorder = 1 << 3;
    internal const int DispositionAttachedPic = 0x400;
    internal const int PacketFlagKey = 0x1;
    // The demuxer marks packets whose frames lie outside the edit list; the decoder drops their output.
    internal const int PacketFlagDiscard = 0x4;
    internal const int ColorRangeMpeg = 1;
    internal const int ColorRangeJpeg = 2;
    internal const int SeekFlagBackward = 1;
    internal const int ErrorEof = -0x20464F45; // -MKTAG('E','O','F',' ')
    internal const int ErrorAgain = -11;
    internal const long NoPts = long.MinValue;
    internal const int LogQuiet = -8;
    internal const int SwsBilinear = 2;
    internal const int SwsBicubic = 4;
}
