namespace VideoVCReg.Decoding.Native;

/// <summary>FFmpeg error codes as text (av_strerror).</summary>
internal static unsafe class AvError
{
    internal static string Message(int code)
    {
        byte* buf = stackalloc byte[256];
        if (LibAvUtil.av_strerror(code, buf, 256) < 0) return $"FFmpeg error {code}";
        return new string((sbyte*)buf);
    }
}
