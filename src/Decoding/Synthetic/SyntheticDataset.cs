using System.Globalization;
using VideoVCReg.Decoding.Datasets;
using VideoVCReg.Runtime.Data;

namespace VideoVCReg.Decoding.Synthetic;

/// <summary>
/// Size and shape of a synthetic dataset. <see cref="Layout"/> picks the folder layout and the kind of files a real
/// dataset of that layout has (<see cref="SyntheticDataset"/>). Every <see cref="Mp4Every"/>-th video of an HMDB51 or
/// list layout is H.264/MP4, the rest MPEG-4/AVI. <see cref="Lossless"/> keeps each layout's containers and structure
/// (B-frames, edit lists) but codes losslessly, so every layout decodes to the same pixels.
/// <see cref="SceneColourJitter"/> (degrees of hue), when set, gives each video a background whose hue follows its
/// class's direction, moved by up to that much (<see cref="MotionRenderer"/>): a partial scene cue. Null: motion only.
/// </summary>
public sealed record SynthOptions(int Classes = 8, int VideosPerClass = 12, int Seed = 0, int Mp4Every = 6, double? SceneColourJitter = null,
    DatasetLayout Layout = DatasetLayout.Hmdb51, bool Lossless = false)
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
/// Writes the synthetic motion videos in a dataset layout. The videos are the same in every layout (content, size,
/// frame rate, length, class) and so is which of them train and which test in split k (70/30 per class, a different
/// seeded draw per split; Kinetics and list folders have split 1's). Only the names, the lists and the files differ:
/// <list type="bullet">
/// <item>hmdb51: <c>videos/&lt;class&gt;/&lt;name&gt;</c>, <c>splits/&lt;class&gt;_test_split&lt;k&gt;.txt</c>; MPEG-4 AVI and H.264 MP4;</item>
/// <item>ucf101: <c>UCF-101/&lt;class&gt;/v_&lt;class&gt;_gNN_c01.avi</c>, <c>ucfTrainTestlist/</c>; XviD AVI with B-frames, as UCF101's own
/// (libxvid under ffmpeg 5.1 drops the last frame or two, so these videos are one or two frames shorter);</item>
/// <item>kinetics: <c>annotations/train.csv</c> (CRLF, BOM, quoted labels with commas) and <c>validate.csv</c>; train clips in
/// <c>train/&lt;label&gt;/</c>, validate clips flat in <c>val/</c>; half VP9 WebM, as YouTube serves, half H.264 MP4 cut with
/// <c>ffmpeg -ss … -c copy</c>, so an edit list hides a pre-roll that starts mid-GOP, as the Kinetics downloaders cut;</item>
/// <item>list: VideoMAE's <c>train.csv</c> / <c>test.csv</c> with paths relative to the folder; the HMDB51 files.</item>
/// </list>
/// The class is only in the motion (<see cref="MotionClass"/>).
/// </summary>
public static class SyntheticDataset
{
    internal static readonly (int W, int H)[] Sizes = [(160, 120), (176, 144), (192, 144), (224, 168)];
    internal static readonly int[] FrameRates = [15, 20, 25, 30];

    /// <summary>One video as written: where (relative to the dataset folder), its class and index, and whether each split trains on it.</summary>
    sealed record Written(string RelativePath, int Class, int Index, bool[] TrainIn);

    public static int Write(string outDir, SynthOptions o, IProgress<string>? progress = null, CancellationToken cancel = default)
    {
        if (o.Problems() is { Count: > 0 } problems) throw new ArgumentException(string.Join("; ", problems));
        Directory.CreateDirectory(outDir);
        var written = new List<Written>();
        var names = Enumerable.Range(0, o.Classes).Select(c => MotionClass.For(c).Name).ToList();
        for (int c = 0; c < o.Classes; c++)
        {
            var motion = MotionClass.For(c);
            var train = Enumerable.Range(1, 3).Select(k => TrainSet(o, c, k)).ToArray();
            for (int v = 0; v < o.VideosPerClass; v++)
            {
                cancel.ThrowIfCancellationRequested();
                var rng = new Random(Seeds.Mix(o.Seed, c, v));
                var (w, h) = Sizes[rng.Next(Sizes.Length)];
                int fps = FrameRates[rng.Next(FrameRates.Length)], frames = 40 + rng.Next(41);
                var renderer = new MotionRenderer(motion, w, h, rng.Next(), o.SceneColourJitter);
                var trainIn = train.Select(t => t.Contains(v)).ToArray();
                var (relative, codec, preRoll) = Placement(o, motion.Name, c, v, trainIn[0]);
                var path = Path.Combine(outDir, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                if (preRoll) TrimmedMp4(path, w, h, fps, renderer.Frames(frames), codec);
                else FfmpegEncoder.Encode(path, w, h, fps, renderer.Frames(frames), codec);
                written.Add(new Written(relative, c, v, trainIn));
                progress?.Report(path);
            }
        }
        WriteLists(outDir, o, names, written);
        return written.Count;
    }

    /// <summary>The videos of class <paramref name="c"/> that split <paramref name="k"/> trains on: a seeded 70 % of them.</summary>
    static HashSet<int> TrainSet(SynthOptions o, int c, int k)
    {
        var order = Enumerable.Range(0, o.VideosPerClass).ToArray();
        new Random(Seeds.Mix(o.Seed, c, 1000 + k)).Shuffle(order);
        int train = Math.Clamp((int)Math.Round(0.7 * order.Length), 1, order.Length - 1);
        return [.. order.Take(train)];
    }

    static string[] Mpeg4(bool lossless) => lossless ? ["-c:v", "ffv1", "-pix_fmt", "yuv420p"] : ["-c:v", "mpeg4", "-q:v", "5", "-pix_fmt", "yuv420p"];

    static string[] H264(bool lossless, params string[] extra) =>
        [.. lossless ? new[] { "-c:v", "libx264", "-preset", "veryfast", "-qp", "0" } : ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23"], "-pix_fmt", "yuv420p", .. extra];

    /// <summary>Where a video goes in the layout, how it is coded, and whether it is cut after encoding (Kinetics's trimmed MP4).</summary>
    static (string Relative, string[] Codec, bool PreRoll) Placement(SynthOptions o, string cls, int c, int v, bool trainsInSplit1)
    {
        switch (o.Layout)
        {
            case DatasetLayout.Ucf101:
                // Lossless has no XviD: FFV1 keeps the AVI container (without B-frames).
                string[] xvid = o.Lossless ? Mpeg4(true) : ["-c:v", "libxvid", "-q:v", "5", "-bf", "2", "-pix_fmt", "yuv420p"];
                return (Path.Combine("UCF-101", cls, $"v_{cls}_g{v + 1:D2}_c01.avi"), xvid, false);
            case DatasetLayout.Kinetics:
                var stem = KineticsCsv.Stem(KineticsId(c, v), v, v + 10);
                var folder = trainsInSplit1 ? Path.Combine("train", KineticsLabel(cls)) : "val";
                if (v % 2 == 1) return (Path.Combine(folder, stem + ".mp4"), H264(o.Lossless, "-bf", "2", "-g", "1000"), true);
                string[] vp9 = o.Lossless ? ["-c:v", "libvpx-vp9", "-lossless", "1", "-deadline", "realtime", "-cpu-used", "8", "-pix_fmt", "yuv420p"]
                    : ["-c:v", "libvpx-vp9", "-crf", "34", "-b:v", "0", "-deadline", "realtime", "-cpu-used", "8", "-pix_fmt", "yuv420p"];
                return (Path.Combine(folder, stem + ".webm"), ["-threads", "1", .. vp9], false);
            default:
                bool mp4 = o.Mp4Every > 0 && v % o.Mp4Every == o.Mp4Every - 1;
                return (Path.Combine("videos", cls, $"{cls}_{v:D3}.{(mp4 ? "mp4" : "avi")}"), mp4 ? H264(o.Lossless) : Mpeg4(o.Lossless), false);
        }
    }

    internal static string KineticsId(int c, int v) => $"syn{c:D2}-{v:D3}xx";

    /// <summary>A label as Kinetics writes them, with spaces and (here) a comma, so the CSV must quote it; the order of the class names is kept.</summary>
    internal static string KineticsLabel(string cls) => cls.Replace("deg_", "deg, ").Replace('_', ' ');

    /// <summary>
    /// A 0.2 s pre-roll (copies of the first frame) before the video, one keyframe at the start, then `ffmpeg -ss 0.2 -c copy`:
    /// the cut lands mid-GOP, so the file keeps the pre-roll packets and an edit list hides them. 0.2 s is a whole number
    /// of frames at every synthetic frame rate, so the cut is exact.
    /// </summary>
    static void TrimmedMp4(string path, int w, int h, int fps, IEnumerable<byte[]> frames, string[] codec)
    {
        var full = path + ".full.mp4";
        IEnumerable<byte[]> WithPreRoll()
        {
            bool first = true;
            foreach (var f in frames)
            {
                if (first) for (int i = 0; i < fps / 5; i++) yield return f;
                first = false;
                yield return f;
            }
        }
        try
        {
            FfmpegEncoder.Encode(full, w, h, fps, WithPreRoll(), codec);
            FfmpegEncoder.Run(path, ["-ss", "0.2", "-i", full, "-c", "copy", path]);
        }
        finally { File.Delete(full); }
    }

    static void WriteLists(string outDir, SynthOptions o, List<string> classes, List<Written> videos)
    {
        string Name(Written w) => Path.GetFileName(w.RelativePath);
        switch (o.Layout)
        {
            case DatasetLayout.Hmdb51:
                var splits = Directory.CreateDirectory(Path.Combine(outDir, "splits")).FullName;
                foreach (var g in videos.GroupBy(w => w.Class))
                    for (int k = 1; k <= 3; k++)
                        File.WriteAllLines(Path.Combine(splits, $"{classes[g.Key]}_test_split{k}.txt"), g.Select(w => $"{Name(w)} {(w.TrainIn[k - 1] ? 1 : 2)}"));
                break;
            case DatasetLayout.Ucf101:
                var lists = Directory.CreateDirectory(Path.Combine(outDir, "ucfTrainTestlist")).FullName;
                // classInd in sorted order, so labels match the other layouts' (sorted class names).
                var sorted = classes.Order(StringComparer.Ordinal).ToList();
                File.WriteAllLines(Path.Combine(lists, Ucf101.ClassIndex), sorted.Select((c, i) => $"{i + 1} {c}"));
                var ordered = videos.OrderBy(w => sorted.IndexOf(classes[w.Class])).ThenBy(w => w.Index).ToList();
                // The official lists end lines in CRLF.
                for (int k = 1; k <= 3; k++)
                {
                    File.WriteAllText(Path.Combine(lists, $"trainlist0{k}.txt"), string.Concat(ordered.Where(w => w.TrainIn[k - 1])
                        .Select(w => $"{classes[w.Class]}/{Name(w)} {sorted.IndexOf(classes[w.Class]) + 1}\r\n")));
                    File.WriteAllText(Path.Combine(lists, $"testlist0{k}.txt"), string.Concat(ordered.Where(w => !w.TrainIn[k - 1]).Select(w => $"{classes[w.Class]}/{Name(w)}\r\n")));
                }
                break;
            case DatasetLayout.Kinetics:
                var annotations = Directory.CreateDirectory(Path.Combine(outDir, "annotations")).FullName;
                string Row(Written w, string split) => string.Create(CultureInfo.InvariantCulture,
                    $"\"{KineticsLabel(classes[w.Class])}\",{KineticsId(w.Class, w.Index)},{w.Index},{w.Index + 10},{split}");
                var byLabel = videos.OrderBy(w => KineticsLabel(classes[w.Class]), StringComparer.Ordinal).ThenBy(w => w.Index).ToList();
                // train.csv as a spreadsheet re-saves it (BOM, CRLF); validate.csv as published (LF).
                File.WriteAllText(Path.Combine(annotations, KineticsCsv.TrainFile),
                    "label,youtube_id,time_start,time_end,split\r\n" + string.Concat(byLabel.Where(w => w.TrainIn[0]).Select(w => Row(w, "train") + "\r\n")), new System.Text.UTF8Encoding(true));
                File.WriteAllText(Path.Combine(annotations, KineticsCsv.TestFile),
                    "label,youtube_id,time_start,time_end,split\n" + string.Concat(byLabel.Where(w => !w.TrainIn[0]).Select(w => Row(w, "val") + "\n")));
                break;
            case DatasetLayout.List:
                var sortedClasses = classes.Order(StringComparer.Ordinal).ToList();
                var inOrder = videos.OrderBy(w => sortedClasses.IndexOf(classes[w.Class])).ThenBy(w => w.Index).ToList();
                string Line(Written w) => $"{w.RelativePath.Replace('\\', '/')} {sortedClasses.IndexOf(classes[w.Class])}";
                File.WriteAllLines(Path.Combine(outDir, "train.csv"), inOrder.Where(w => w.TrainIn[0]).Select(Line));
                File.WriteAllLines(Path.Combine(outDir, "test.csv"), inOrder.Where(w => !w.TrainIn[0]).Select(Line));
                break;
        }
    }
}
