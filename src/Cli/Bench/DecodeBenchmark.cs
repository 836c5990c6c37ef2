using System.Diagnostics;
using VideoVCReg.Decoding;

namespace VideoVCReg.Cli.Bench;

/// <summary>Our two decode measures; the PyAV peer (bench/pyav_decode.py) does the same steps.</summary>
static class DecodeBenchmark
{
    public const int ClipLength = 16, SamplingRate = 4;

    /// <summary>Full decode to RGB24 at native size, frames/s, best of <paramref name="repeats"/> passes.</summary>
    public static (int Frames, double Fps) FullDecode(string path, int repeats, CancellationToken cancel)
    {
        double best = 0;
        int frames = 0;
        for (int r = 0; r < repeats; r++)
        {
            var sw = Stopwatch.StartNew();
            using var reader = VideoReader.Open(path);
            var rgb = new byte[reader.FrameBytes];
            frames = reader.Info.Frames;
            for (int k = 0; k < frames; k++) reader.ReadFrame(k, rgb);
            best = Math.Max(best, frames / sw.Elapsed.TotalSeconds);
            cancel.ThrowIfCancellationRequested();
        }
        return (frames, best);
    }

    /// <summary>
    /// Random training clips, clips/s: each opens the file (as a loader does for a fresh video), takes a
    /// random window of ClipLength×SamplingRate frames and decodes every SamplingRate-th frame of it.
    /// </summary>
    public static double ClipSampling(string path, int frames, int clips, int seed, CancellationToken cancel)
    {
        var rng = new Random(seed);
        int window = ClipLength * SamplingRate;
        var indices = new long[ClipLength];
        byte[] buffer = [];
        var sw = Stopwatch.StartNew();
        for (int c = 0; c < clips; c++)
        {
            int start = rng.Next(0, Math.Max(1, frames - window + 1));
            for (int i = 0; i < ClipLength; i++) indices[i] = Math.Min(frames - 1, start + i * SamplingRate);
            using var reader = VideoReader.Open(path);
            if (buffer.Length < reader.FrameBytes * ClipLength) buffer = new byte[reader.FrameBytes * ClipLength];
            reader.ReadClip(indices, buffer);
            cancel.ThrowIfCancellationRequested();
        }
        return clips / sw.Elapsed.TotalSeconds;
    }
}
