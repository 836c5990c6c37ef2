using System.Collections.Concurrent;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Decoding;

[CollectionDefinition(Name)]
public sealed class VideoMatrixCollection : ICollectionFixture<VideoMatrix>
{
    public const string Name = "container x codec x B-frames x GOP videos";
}

/// <summary>
/// The exactness matrix: every combination of container × codec × B-frames × GOP length (generated,
/// never hand-picked: a hand-picked list is how B-frame AVIs went untested), plus the files of issue 15's
/// table under their own names. Files are encoded on first use, from testsrc2, into one temporary folder.
/// </summary>
public sealed class VideoMatrix : IDisposable
{
    static readonly string[] Containers = ["avi", "mp4", "mkv", "ts"];
    static readonly string[] Codecs = ["mpeg4", "h264"];
    static readonly int[] BFrames = [0, 1, 2, 3];
    static readonly int[] Gops = [12, 250];
    // DivX-era fourccs, cycled over the MPEG-4 AVIs.
    static readonly string[] Fourccs = ["XVID", "DX50", "DIVX"];

    /// <summary>Generated rows: "<container>-<codec>-bf<B>-g<GOP>".</summary>
    public static IEnumerable<string> Combinations =>
        from c in Containers from v in Codecs from b in BFrames from g in Gops select $"{c}-{v}-bf{b}-g{g}";

    /// <summary>Issue 15's table, as it was measured (320×240, 3 s).</summary>
    public static readonly IReadOnlyDictionary<string, (string File, int Fps, string[] Args)> Named = new Dictionary<string, (string, int, string[])>
    {
        ["xvid-bf1-g12"] = ("xvid1.avi", 30, ["-c:v", "mpeg4", "-vtag", "XVID", "-bf", "1", "-g", "12"]),
        ["xvid-bf2-g12-q4"] = ("xvid2.avi", 30, ["-c:v", "mpeg4", "-vtag", "XVID", "-bf", "2", "-g", "12", "-q:v", "4"]),
        ["dx50-bf2-g300"] = ("dx50.avi", 30, ["-c:v", "mpeg4", "-vtag", "DX50", "-bf", "2", "-g", "300"]),
        ["divx-bf3-g250-qpel"] = ("divx.avi", 30, ["-c:v", "mpeg4", "-vtag", "DIVX", "-bf", "3", "-g", "250", "-flags", "+qpel"]),
        ["h264-avi-bf3"] = ("h264.avi", 30, ["-c:v", "libx264", "-bf", "3"]),
        ["h264-ts-bf3-25fps"] = ("h264.ts", 25, ["-c:v", "libx264", "-bf", "3"]),
        ["mpeg4-mp4-bf2"] = ("mpeg4.mp4", 30, ["-c:v", "mpeg4", "-bf", "2"]),
        ["h264-mkv-bf3-g48"] = ("h264.mkv", 30, ["-c:v", "libx264", "-bf", "3", "-g", "48"]),
        ["mpeg2-ps-bf2"] = ("mpeg2.mpg", 30, ["-c:v", "mpeg2video", "-bf", "2", "-f", "vob"]),
        ["mpeg2-ts-bf2"] = ("mpeg2.ts", 30, ["-c:v", "mpeg2video", "-bf", "2"]),
        ["hevc-mp4-bf3"] = ("hevc.mp4", 30, ["-c:v", "libx265", "-x265-params", "bframes=3:log-level=error"]),
        ["mpeg4-mkv-bf2"] = ("mpeg4.mkv", 30, ["-c:v", "mpeg4", "-bf", "2"]),
        ["wmv2"] = ("wmv2.wmv", 30, ["-c:v", "wmv2"]),
        ["flv1"] = ("flv1.flv", 30, ["-c:v", "flv1"]),
        ["theora"] = ("theora.ogv", 30, ["-c:v", "libtheora", "-q:v", "7"]),
        ["h264-ts-no-bframes"] = ("h264-nob.ts", 30, ["-c:v", "libx264", "-bf", "0"]),
        // Interlaced sources (field_order tt). FFmpeg's mpeg2video codes frame pictures and x264 codes MBAFF, so both
        // carry a field pair per packet; x265 codes each field as a picture of its own, one per packet, and the
        // decoder shows each as a frame, so a frame there is a field, as the CLI counts it. Neither encoder here
        // writes field pictures whose pair makes one frame (H.264 PAFF, MPEG-2 field pictures): those stay untested.
        ["mpeg2-ts-interlaced"] = ("mpeg2-tff.ts", 50, ["-vf", "tinterlace=interleave_top,setfield=tff", "-c:v", "mpeg2video", "-flags", "+ilme+ildct", "-top", "1", "-bf", "2"]),
        ["h264-ts-mbaff"] = ("h264-mbaff.ts", 30, ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-flags", "+ildct+ilme", "-x264-params", "tff=1", "-bf", "3"]),
        ["hevc-ts-fields"] = ("hevc-fields.ts", 50, ["-vf", "tinterlace=interleave_top,setfield=tff,separatefields", "-c:v", "libx265", "-pix_fmt", "yuv420p",
            "-x265-params", "interlace=tff:bframes=3:log-level=error"]),
    };

    /// <summary>
    /// Issue 27's table of decoding defects, one file per row, with what `check` must say: "ok" or the start of its
    /// reason. All are made in one run of fixtures/video/make_defect_videos.py, which names the defect each shows.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Defects = new Dictionary<string, string>
    {
        ["d1-pts-are-dts.mp4"] = "ok", ["d1-pts-are-dts.mkv"] = "ok", ["d1-pts-are-dts.flv"] = "ok",
        ["d2-vp8-altref.webm"] = "ok", ["d2-vp8-altref-own-times.webm"] = "ok",
        ["d3-copyinkf.mp4"] = "ok", ["d3-cut-mid-gop.ts"] = "ok", ["d3-hevc-starts-at-cra.mkv"] = "ok", ["d4-hevc-trimmed.mp4"] = "ok",
        ["d4-editlist-mid-gop.mp4"] = "ok", ["d4-drop-chunks.avi"] = "ok",
        ["d5-pal8.avi"] = "ok", ["d5-smc.mov"] = "ok",
        ["d6-hflip.mp4"] = "ok", ["d6-vflip.mp4"] = "ok", ["d6-transpose.mp4"] = "ok", ["d6-antitranspose.mp4"] = "ok",
        ["d7-rotate45.mp4"] = "ok",
        ["d8-truncated.mkv"] = "truncated or damaged: the header says 4.0 s", ["d8-truncated.webm"] = "truncated or damaged: the header says 4.0 s",
        ["cover-art.mp3"] = "no video stream",
    };

    public string Dir { get; } = Directory.CreateTempSubdirectory("videovcreg-matrix-").FullName;
    readonly ConcurrentDictionary<string, Lazy<string>> files = new();
    readonly Lazy<string> defectDir;

    public VideoMatrix() => defectDir = new(MakeDefects);

    /// <summary>The file of a row (a combination, a named file or a defect), encoded once.</summary>
    public string this[string row] => Defects.ContainsKey(row) ? Path.Combine(defectDir.Value, row)
        : files.GetOrAdd(row, r => new Lazy<string>(() => Encode(r))).Value;

    string MakeDefects()
    {
        var dir = Path.Combine(Dir, "defects");
        var made = PythonScript.Run(Path.Combine(AppContext.BaseDirectory, "fixtures", "video", "make_defect_videos.py"), dir);
        Assert.Equal(Defects.Keys.Order(), made.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
        return dir;
    }

    string Encode(string row)
    {
        if (Named.TryGetValue(row, out var named))
            return Write(named.File, "320x240", named.Fps, 3, named.Args);
        var parts = row.Split('-');
        var (container, codec, b, g) = (parts[0], parts[1], int.Parse(parts[2][2..]), int.Parse(parts[3][1..]));
        var args = new List<string> { "-g", g.ToString(), "-bf", b.ToString() };
        if (codec == "h264") args.InsertRange(0, ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"]);
        else
        {
            args.InsertRange(0, ["-c:v", "mpeg4", "-q:v", "5"]);
            if (container == "avi") args.AddRange(["-vtag", Fourccs[(b + g) % Fourccs.Length]]);
            // Quarter-pel motion, as DivX's "qpel" option, on the long-GOP rows with B-frames.
            if (b > 0 && g > 100) args.AddRange(["-flags", "+qpel"]);
        }
        // x264 refuses B-frames without a GOP longer than them; the smallest GOP here is 12.
        return Write($"{row}.{container}", "160x120", 30, 2, [.. args]);
    }

    string Write(string name, string size, int fps, int seconds, string[] args)
    {
        var path = Path.Combine(Dir, name);
        FfmpegCli.Run(["-f", "lavfi", "-i", $"testsrc2=size={size}:rate={fps}:duration={seconds}", .. args, path]);
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}
