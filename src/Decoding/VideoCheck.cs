namespace VideoVCReg.Decoding;

/// <summary>
/// The full check of one file that `video check` and `data check` run: every frame decoded, and the packets
/// held against what the header declares (<c>VideoReader.Truncation</c>). A file cut short (a download or copy that stopped) often
/// still decodes the frames it has; only the container's own count shows what is missing.
/// </summary>
public static class VideoCheck
{
    /// <summary>Decodes every frame; returns the count, or throws <see cref="InvalidDataException"/> naming the file and the problem.</summary>
    /// <param name="warn">Receives, once, anything the reader does differently from the ffmpeg CLI (a display matrix off 90°), naming the file.</param>
    public static int DecodeAll(string path, ref byte[] rgb, CancellationToken cancel = default, Action<string>? warn = null)
    {
        using var reader = VideoReader.Open(path);
        if (reader.Info.Warning is { } warning) warn?.Invoke($"{path}: {warning}");
        if (rgb.Length < reader.FrameBytes) rgb = new byte[reader.FrameBytes];
        for (int k = 0; k < reader.Info.Frames; k++)
        {
            if ((k & 63) == 0) cancel.ThrowIfCancellationRequested();
            reader.ReadFrame(k, rgb);
        }
        if (reader.Truncation is { } truncation) throw new InvalidDataException($"{path}: {truncation}");
        return reader.Info.Frames;
    }
}
