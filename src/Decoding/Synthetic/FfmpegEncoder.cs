using System.Diagnostics;

namespace VideoVCReg.Decoding.Synthetic;

/// <summary>Encodes RGB24 frames to a file by piping them as rawvideo into the ffmpeg CLI.</summary>
static class FfmpegEncoder
{
    const int EncoderThreads = 3;

    /// <summary>The ffmpeg CLI on files (a stream copy, a remux) writing <paramref name="path"/>; a failure names it.</summary>
    public static void Run(string path, string[] args)
    {
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-v", "error", "-y" }.Concat(args)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("ffmpeg: cannot start; install Debian's ffmpeg package");
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{path}: ffmpeg failed ({err.Trim()})");
    }

    public static void Encode(string path, int width, int height, int fps, IEnumerable<byte[]> frames, string[] codec)
    {
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardInput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", $"{width}x{height}", "-r", $"{fps}", "-i", "-" })
            psi.ArgumentList.Add(a);
        // A fixed encoder thread count: the CLI's automatic one follows the cores this process may use (cores + 1), and the
        // encoders' output follows the thread count, so the same seed gave other videos on another machine or under mpirun's
        // core binding (one core), and data-parallel runs that write their own data trained on other clips than one process.
        // 3 is what the automatic count was on the 2-core machines every published figure was measured on.
        foreach (var a in new[] { "-threads", EncoderThreads.ToString() }.Concat(codec)) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add(path);
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e) { throw new InvalidOperationException($"ffmpeg: cannot start ({e.Message}); install Debian's ffmpeg package"); }
        using (p)
        {
            var err = p.StandardError.ReadToEndAsync();
            try
            {
                foreach (var f in frames) p.StandardInput.BaseStream.Write(f);
                p.StandardInput.Close();
            }
            catch (IOException) { /* ffmpeg quit early: its stderr says why */ }
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"{path}: ffmpeg failed to encode ({err.Result.Trim()})");
        }
    }
}
