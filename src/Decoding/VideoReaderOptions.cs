namespace VideoVCReg.Decoding;

/// <summary>
/// How a <see cref="VideoReader"/> decodes. <see cref="ShortSide"/> &gt; 0 resizes so the shorter
/// side has that many pixels (aspect kept, in the same swscale pass as the RGB conversion);
/// <see cref="Threads"/> 0 lets FFmpeg choose. <see cref="AutoRotate"/> turns frames upright by the
/// stream's display rotation, as the ffmpeg CLI does unless given <c>-noautorotate</c>.
/// </summary>
public sealed record VideoReaderOptions(int ShortSide = 0, int Threads = 0, bool AutoRotate = true)
{
    public static VideoReaderOptions Default { get; } = new();
}
