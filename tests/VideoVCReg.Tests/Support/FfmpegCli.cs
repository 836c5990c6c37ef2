using System.Diagnostics;
using System.Globalization;

namespace VideoVCReg.Tests.Support;

/// <summary>The ffmpeg CLI (Debian's `ffmpeg` package): encodes test videos and gives reference frames.</summary>
public static class FfmpegCli
{
    /// <summary>Runs ffmpeg with <paramref name="args"/>; fails the test with its stderr if it fails.</summary>
    public static byte[] Run(params string[] args) => Run(null, args);

    public static byte[] Run(byte[]? stdin, params string[] args)
    {
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin != null, UseShellExecute = false };
        if (stdin == null) psi.ArgumentList.Add("-nostdin");
        foreach (var a in new[] { "-v", "error", "-y" }) psi.ArgumentList.Add(a);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = new MemoryStream();
        var copy = p.StandardOutput.BaseStream.CopyToAsync(output);
        var err = p.StandardError.ReadToEndAsync();
        if (stdin != null) { p.StandardInput.BaseStream.Write(stdin); p.StandardInput.Close(); }
        if (!p.WaitForExit(TimeSpan.FromMinutes(2))) { p.Kill(true); throw new TimeoutException($"ffmpeg {string.Join(' ', args)} hung"); }
        copy.Wait();
        if (p.ExitCode != 0) throw new InvalidOperationException($"ffmpeg {string.Join(' ', args)} failed: {err.Result}");
        return output.ToArray();
    }

    /// <summary>
    /// Frames <paramref name="indices"/> as the ffmpeg CLI decodes them (`select=eq(n\,K)`, no frame-rate
    /// conversion), packed RGB24, in ascending index order.
    /// </summary>
    /// <summary>How many frames the ffmpeg CLI decodes from the first video stream.</summary>
    public static int CountDecodedFrames(string file)
    {
        var psi = new ProcessStartInfo("ffprobe") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", file })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        // MPEG-TS lists the stream once per program and once on its own: the first line is the count.
        return int.Parse(text.Trim().Split('\n')[0].Trim().TrimEnd(','), CultureInfo.InvariantCulture);
    }

    /// <summary>Every frame the ffmpeg CLI decodes, in output order, packed RGB24 (autorotated unless told not to).</summary>
    public static byte[][] AllFrames(string file, int width, int height, bool autorotate = true, string? filter = null, int? threads = null)
    {
        string[] input = autorotate ? ["-i", file] : ["-noautorotate", "-i", file];
        if (threads is int t) input = ["-threads", t.ToString(CultureInfo.InvariantCulture), .. input];
        string[] vf = filter is null ? [] : ["-vf", filter];
        var raw = Run([.. input, .. vf, "-vsync", "0", "-pix_fmt", "rgb24", "-f", "rawvideo", "-"]);
        int n = width * height * 3;
        if (raw.Length % n != 0) throw new InvalidOperationException($"ffmpeg gave {raw.Length} bytes, not a whole number of {width}x{height} frames");
        return Enumerable.Range(0, raw.Length / n).Select(i => raw.AsSpan(i * n, n).ToArray()).ToArray();
    }

    public static byte[][] ReferenceFrames(string file, int width, int height, IEnumerable<long> indices)
    {
        var sorted = indices.Distinct().Order().ToArray();
        var select = string.Join("+", sorted.Select(k => string.Create(CultureInfo.InvariantCulture, $"eq(n\\,{k})")));
        var raw = Run("-i", file, "-vf", $"select={select}", "-vsync", "0", "-pix_fmt", "rgb24", "-f", "rawvideo", "-");
        int n = width * height * 3;
        if (raw.Length != n * sorted.Length)
            throw new InvalidOperationException($"ffmpeg gave {raw.Length} bytes for {sorted.Length} frames of {width}x{height}");
        return Enumerable.Range(0, sorted.Length).Select(i => raw.AsSpan(i * n, n).ToArray()).ToArray();
    }
}
