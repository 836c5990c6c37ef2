namespace VideoVCReg.Decoding.Native;

/// <summary>
/// Loads FFmpeg once and checks that the run-time majors are the ones <see cref="Layout"/> was
/// written for; a different major would have moved struct fields and corrupted memory silently.
/// </summary>
internal static class FfmpegRuntime
{
    internal const int FormatMajor = 59, CodecMajor = 59, UtilMajor = 57, ScaleMajor = 6;

    static readonly Lazy<Exception?> Failure = new(Check, LazyThreadSafetyMode.ExecutionAndPublication);

    internal static void EnsureLoaded()
    {
        if (Failure.Value is { } e) throw new NotSupportedException(e.Message, e);
    }

    static Exception? Check()
    {
        try
        {
            var found = new (string Lib, uint Version, int Want)[]
            {
                ("libavformat", LibAvFormat.avformat_version(), FormatMajor),
                ("libavcodec", LibAvCodec.avcodec_version(), CodecMajor),
                ("libavutil", LibAvUtil.avutil_version(), UtilMajor),
                ("libswscale", LibSwScale.swscale_version(), ScaleMajor),
            };
            foreach (var (lib, version, want) in found)
            {
                int major = (int)(version >> 16);
                if (major != want)
                    return new NotSupportedException(
                        $"{lib} {major}.{(version >> 8) & 0xff}.{version & 0xff} found, but the decoder was written for {lib} major {want} (FFmpeg 5.1, Debian 12)");
            }
            // FFmpeg logs warnings about damaged input to stderr; our errors carry the reason instead.
            LibAvUtil.av_log_set_level(Environment.GetEnvironmentVariable("VIDEOVCREG_FFMPEG_LOG") == "1" ? 32 : Av.LogQuiet);
            return null;
        }
        catch (DllNotFoundException e)
        {
            return new NotSupportedException(
                $"FFmpeg 5.1 libraries not found ({e.Message.Split('\n')[0].Trim()}); install libavformat59 libavcodec59 libswscale6 libavutil57", e);
        }
    }
}
