using System.Buffers.Binary;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Decoding;

[CollectionDefinition(Name)]
public sealed class VideoCollection : ICollectionFixture<TestVideos>
{
    public const string Name = "encoded test videos";
}

/// <summary>
/// Real encoded files, made once per test run with the ffmpeg CLI into a temporary folder. Content is
/// testsrc2 (moving, colourful, sharp edges) so that a wrong frame or a colour error is visible.
/// </summary>
public sealed class TestVideos : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("videovcreg-decoding-").FullName;

    public string Mpeg4Avi { get; }
    public string H264Mp4 { get; }
    public string Vp9Webm { get; }
    public string MjpegAvi { get; }
    public string OddSize { get; }
    /// <summary>Raw yuv420p at a width that is not a multiple of 8: swscale's unscaled x86 path skips the row tail unless the output rows are padded.</summary>
    public string OddWidthRaw { get; }
    public string VariableFrameRate { get; }
    /// <summary>A valid AVI whose headers claim three times its 60 frames.</summary>
    public string WrongCountAvi { get; }
    /// <summary>The first 60% of an AVI: its header claims 60 frames, fewer are there.</summary>
    public string OverclaimingAvi { get; }
    /// <summary>The first third of the same AVI's bytes, as a copy that stopped early.</summary>
    public string ThirdOfAnAvi { get; }
    public string AudioOnly { get; }
    /// <summary>H.264 with every IDR slice removed: packets exist, no frame can be decoded.</summary>
    public string NoDecodableFrames { get; }
    public string TruncatedMp4 { get; }
    public string RandomBytes { get; }
    public string Empty { get; }

    public TestVideos()
    {
        Mpeg4Avi = Encode("mpeg4.avi", "320x240", 30, 3, "-c:v", "mpeg4", "-q:v", "4", "-g", "12");
        H264Mp4 = Encode("h264.mp4", "320x240", 25, 3, "-c:v", "libx264", "-preset", "veryfast", "-bf", "3", "-g", "24", "-pix_fmt", "yuv420p");
        Vp9Webm = Encode("vp9.webm", "160x120", 30, 2, "-c:v", "libvpx-vp9", "-b:v", "300k", "-g", "20", "-deadline", "realtime", "-cpu-used", "8");
        MjpegAvi = Encode("mjpeg.avi", "160x120", 30, 2, "-c:v", "mjpeg", "-q:v", "3");
        // testsrc2 rounds its size to even numbers, so the odd size comes from a scale filter.
        OddSize = Encode("odd.avi", "320x240", 25, 2, "-vf", "scale=321:241", "-c:v", "mpeg4", "-q:v", "4");
        OddWidthRaw = Encode("odd101.y4m", "320x240", 25, 1, "-vf", "scale=101:50", "-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe");
        // Frame times 0, 1, 3, 4, 6, 7, ... thirtieths of a second: a variable frame rate with B-frames.
        VariableFrameRate = Encode("vfr.mkv", "192x144", 30, 2, "-vf", "setpts='(N+floor(N/2))/(30*TB)'", "-fps_mode", "passthrough",
            "-c:v", "libx264", "-preset", "veryfast", "-bf", "2", "-g", "15");
        WrongCountAvi = Path.Combine(Dir, "wrong-count.avi");
        var avi = File.ReadAllBytes(Encode("sixty.avi", "320x240", 30, 2, "-c:v", "mpeg4", "-q:v", "4"));
        File.WriteAllBytes(WrongCountAvi, ClaimMoreFrames(avi, 3));
        OverclaimingAvi = Path.Combine(Dir, "overclaiming.avi");
        File.WriteAllBytes(OverclaimingAvi, avi[..(avi.Length * 6 / 10)]);
        ThirdOfAnAvi = Path.Combine(Dir, "third.avi");
        File.WriteAllBytes(ThirdOfAnAvi, avi[..(avi.Length / 3)]);
        AudioOnly = Path.Combine(Dir, "audio.wav");
        FfmpegCli.Run("-f", "lavfi", "-i", "sine=frequency=440:duration=1", AudioOnly);
        NoDecodableFrames = Encode("no-idr.mkv", "160x120", 30, 1, "-c:v", "libx264", "-x264-params", "keyint=1000", "-bsf:v", "filter_units=remove_types=5");
        TruncatedMp4 = Path.Combine(Dir, "truncated.mp4");
        var mp4 = File.ReadAllBytes(H264Mp4);
        File.WriteAllBytes(TruncatedMp4, mp4[..(mp4.Length / 2)]);
        RandomBytes = Path.Combine(Dir, "random.mp4");
        File.WriteAllBytes(RandomBytes, Enumerable.Range(0, 20000).Select(i => (byte)new Random(7 + i).Next(256)).ToArray());
        Empty = Path.Combine(Dir, "empty.avi");
        File.WriteAllBytes(Empty, []);
    }

    string Encode(string name, string size, int fps, int seconds, params string[] codec)
    {
        var path = Path.Combine(Dir, name);
        FfmpegCli.Run(["-f", "lavfi", "-i", $"testsrc2=size={size}:rate={fps}:duration={seconds}", .. codec, path]);
        return path;
    }

    /// <summary>Multiplies the frame counts in the AVI main header (dwTotalFrames) and the video stream header (dwLength).</summary>
    static byte[] ClaimMoreFrames(byte[] avi, int factor)
    {
        var d = (byte[])avi.Clone();
        int avih = d.AsSpan().IndexOf("avih"u8) + 8, strh = d.AsSpan().IndexOf("strh"u8) + 8;
        if (avih < 8 || strh < 8 || !d.AsSpan(strh, 4).SequenceEqual("vids"u8)) throw new InvalidOperationException("unexpected AVI layout");
        Scale(d.AsSpan(avih + 16, 4));
        Scale(d.AsSpan(strh + 32, 4));
        return d;

        void Scale(Span<byte> field) => BinaryPrimitives.WriteUInt32LittleEndian(field, BinaryPrimitives.ReadUInt32LittleEndian(field) * (uint)factor);
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}
