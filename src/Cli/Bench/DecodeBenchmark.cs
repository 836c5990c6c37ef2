using System.Diagnostics;
using TorchSharp;
using VideoVCReg.Decoding;
using VideoVCReg.Decoding.Datasets;
using VideoVCReg.Decoding.Loading;

namespace VideoVCReg.Cli.Bench;

/// <summary>Our decode measures; the PyAV peer (bench/pyav_decode.py) does the same steps for the first two.</summary>
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
    /// Milliseconds to open the file the first time (a container without presentation times costs one
    /// decoding pass then) and again (the learnt order is reused), median of <paramref name="repeats"/>.
    /// </summary>
    public static (double First, double Again) OpenCost(string path, int repeats, CancellationToken cancel)
    {
        var first = new List<double>();
        var again = new List<double>();
        for (int r = 0; r < repeats; r++)
        {
            VideoReader.ForgetLearntOrders();
            var sw = Stopwatch.StartNew();
            using (VideoReader.Open(path)) first.Add(sw.Elapsed.TotalMilliseconds);
            sw.Restart();
            using (VideoReader.Open(path)) again.Add(sw.Elapsed.TotalMilliseconds);
            cancel.ThrowIfCancellationRequested();
        }
        return (first.Order().ElementAt(repeats / 2), again.Order().ElementAt(repeats / 2));
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

    /// <summary>
    /// End-to-end loader clips/s: <paramref name="clips"/> training views of the file (16×4 sampling, VideoMAE's
    /// train transforms, 224² normalised) in batches of 4, with <paramref name="workers"/> decode workers.
    /// Torch ops run single-threaded meanwhile, as in PyTorch's DataLoader workers, so the workers are the parallelism.
    /// </summary>
    public static double LoaderThroughput(string path, int workers, int clips, int seed, CancellationToken cancel)
    {
        var items = Enumerable.Range(0, clips).Select(i => new MediaItem(path, 0, $"copy{i}")).ToList();
        var dataset = new MediaDataset(path, ["bench"], items);
        var pipeline = new ViewPipeline(new ViewOptions { ClipLength = ClipLength, SamplingRate = SamplingRate, CropSize = 224 }, ViewMode.Train);
        var loader = new VideoLoader(dataset, pipeline, new LoaderOptions(BatchSize: 4, Workers: workers, Seed: seed));
        int threads = torch.get_num_threads();
        torch.set_num_threads(1);
        try
        {
            var sw = Stopwatch.StartNew();
            int n = 0;
            foreach (var batch in loader.Epoch(0, cancel)) { n += batch.Count; batch.Dispose(); }
            if (n != clips) throw new InvalidOperationException($"{path}: the loader produced {n} of {clips} clips ({loader.Summary()})");
            return n / sw.Elapsed.TotalSeconds;
        }
        finally { torch.set_num_threads(threads); }
    }
}
