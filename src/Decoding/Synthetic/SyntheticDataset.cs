namespace VideoVCReg.Decoding.Synthetic;

/// <summary>
/// Size of a synthetic dataset. Every <see cref="Mp4Every"/>-th video of a class is H.264/MP4, the rest MPEG-4/AVI.
/// <see cref="SceneColourJitter"/> (degrees of hue), when set, gives each video a background whose hue follows its
/// class's direction, moved by up to that much (<see cref="MotionRenderer"/>): a partial scene cue. Null: motion only.
/// </summary>
public sealed record SynthOptions(int Classes = 8, int VideosPerClass = 12, int Seed = 0, int Mp4Every = 6, double? SceneColourJitter = null)
{
    public IReadOnlyList<string> Problems()
    {
        var p = new List<string>();
        if (Classes < 2) p.Add("--classes must be at least 2");
        if (VideosPerClass < 2) p.Add("--videos-per-class must be at least 2 (one for train, one for test)");
        if (SceneColourJitter is double j && !(j >= 0 && j <= 180)) p.Add($"--scene-colour-jitter must be in [0, 180] degrees (got {j})");
        return p;
    }
}

/// <summary>
/// Writes a dataset in the HMDB51 layout: <c>videos/&lt;class&gt;/&lt;name&gt;</c> and, per class, the three
/// split files <c>splits/&lt;class&gt;_test_split&lt;k&gt;.txt</c> with lines <c>&lt;name&gt; &lt;id&gt;</c>
/// (1 = train, 2 = test, 70/30 per class, a different seeded draw per split). Length, size and frame
/// rate vary per video; the class is only in the motion (<see cref="MotionClass"/>).
/// </summary>
public static class SyntheticDataset
{
    internal static readonly (int W, int H)[] Sizes = [(160, 120), (176, 144), (192, 144), (224, 168)];
    internal static readonly int[] FrameRates = [15, 20, 25, 30];

    public static int Write(string outDir, SynthOptions o, IProgress<string>? progress = null, CancellationToken cancel = default)
    {
        if (o.Problems() is { Count: > 0 } problems) throw new ArgumentException(string.Join("; ", problems));
        var splits = Directory.CreateDirectory(Path.Combine(outDir, "splits")).FullName;
        int written = 0;
        for (int c = 0; c < o.Classes; c++)
        {
            var motion = MotionClass.For(c);
            var dir = Directory.CreateDirectory(Path.Combine(outDir, "videos", motion.Name)).FullName;
            var names = new List<string>();
            for (int v = 0; v < o.VideosPerClass; v++)
            {
                cancel.ThrowIfCancellationRequested();
                var rng = new Random(Seeds.Mix(o.Seed, c, v));
                var (w, h) = Sizes[rng.Next(Sizes.Length)];
                int fps = FrameRates[rng.Next(FrameRates.Length)], frames = 40 + rng.Next(41);
                bool mp4 = o.Mp4Every > 0 && v % o.Mp4Every == o.Mp4Every - 1;
                var name = $"{motion.Name}_{v:D3}.{(mp4 ? "mp4" : "avi")}";
                string[] codec = mp4
                    ? ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p"]
                    : ["-c:v", "mpeg4", "-q:v", "5", "-pix_fmt", "yuv420p"];
                FfmpegEncoder.Encode(Path.Combine(dir, name), w, h, fps, new MotionRenderer(motion, w, h, rng.Next(), o.SceneColourJitter).Frames(frames), codec);
                names.Add(name);
                written++;
                progress?.Report(Path.Combine(dir, name));
            }
            for (int k = 1; k <= 3; k++)
            {
                var order = names.OrderBy(_ => 0).ToArray();
                new Random(Seeds.Mix(o.Seed, c, 1000 + k)).Shuffle(order);
                int train = Math.Clamp((int)Math.Round(0.7 * order.Length), 1, order.Length - 1);
                var ids = order.Select((n, i) => (n, i < train ? 1 : 2)).ToDictionary(p => p.n, p => p.Item2);
                File.WriteAllLines(Path.Combine(splits, $"{motion.Name}_test_split{k}.txt"), names.Select(n => $"{n} {ids[n]}"));
            }
        }
        return written;
    }
}
