using VideoVCReg.Decoding;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Decoding;

/// <summary>The two failures users of Python decoders report (decord #195, #373), and bad input through the CLI.</summary>
[Collection(VideoCollection.Name)]
public class RobustnessTests(TestVideos videos)
{
    [Fact]
    public void A_degenerate_aspect_ratio_is_refused_before_any_huge_allocation()
    {
        // 1×2,000,000 yuv420p is a valid stream; a 256 short side would ask for 256×512,000,000 RGB.
        var path = Path.Combine(videos.Dir, "thin.y4m");
        using (var f = File.Create(path))
        {
            f.Write("YUV4MPEG2 W1 H2000000 F25:1 C420jpeg\nFRAME\n"u8);
            f.Write(new byte[2_000_000 + 2 * 1_000_000]);
        }
        using (var native = VideoReader.Open(path)) Assert.Equal((1, 2_000_000), (native.Info.Width, native.Info.Height));
        var e = Assert.Throws<InvalidDataException>(() => VideoReader.Open(path, new VideoReaderOptions(256)));
        Assert.StartsWith(path, e.Message);
        Assert.Contains("exceeds the 1 GiB", e.Message);
    }

    [Fact]
    public void Reading_the_same_frames_of_an_avi_a_thousand_times_returns_identical_bytes()
    {
        using var reader = VideoReader.Open(videos.Mpeg4Avi);
        long[] indices = [40, 3, 17, 88];
        var reference = FfmpegCli.ReferenceFrames(videos.Mpeg4Avi, 320, 240, indices);
        var first = indices.Select(_ => new byte[reader.FrameBytes]).ToArray();
        for (int i = 0; i < indices.Length; i++) reader.ReadFrame(indices[i], first[i]);
        for (int i = 0; i < indices.Length; i++)
            FrameAssert.SameFrame(reference[indices.Order().ToList().IndexOf(indices[i])], first[i], $"frame {indices[i]}");

        var rgb = new byte[reader.FrameBytes];
        int differing = 0;
        for (int round = 0; round < 1000; round++)
            for (int i = 0; i < indices.Length; i++)
            {
                reader.ReadFrame(indices[i], rgb);
                if (!rgb.AsSpan().SequenceEqual(first[i])) differing++;
            }
        Assert.Equal(0, differing);
    }

    [Fact]
    public void Past_the_real_end_of_an_overclaiming_file_is_a_clear_error_not_a_hang()
    {
        int real = FfmpegCli.CountDecodedFrames(videos.OverclaimingAvi);
        using var reader = VideoReader.Open(videos.OverclaimingAvi);
        Assert.Equal(60, reader.Info.ContainerFrames);
        Assert.True(real < 60, $"the truncated file still decodes {real} frames");
        Assert.Equal(real, reader.Info.Frames);

        var rgb = new byte[reader.FrameBytes];
        reader.ReadFrame(real - 1, rgb);
        var last = FfmpegCli.ReferenceFrames(videos.OverclaimingAvi, 320, 240, [real - 1])[0];
        FrameAssert.SameFrame(last, rgb, "last real frame");
        foreach (var k in new long[] { real, 45, 59 })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => reader.ReadFrame(k, rgb));
            Assert.Equal($"{videos.OverclaimingAvi}: frame {k} is past the end (the video has {real} frames, 0..{real - 1})", e.Message);
        }
        // The reader is still usable afterwards.
        reader.ReadFrame(real - 1, rgb);
        FrameAssert.SameFrame(last, rgb, "last real frame after errors");
    }

    public static TheoryData<string, string[], string> BadInputs => new()
    {
        { "missing", ["info"], "no such file" },
        { nameof(TestVideos.Empty), ["info"], "empty file" },
        { nameof(TestVideos.TruncatedMp4), ["info"], "not a readable video" },
        { nameof(TestVideos.RandomBytes), ["info"], "not a readable video" },
        { nameof(TestVideos.AudioOnly), ["info"], "no video stream" },
        // It does not start at a keyframe, so opening it decodes it to learn its frames: there are none.
        { nameof(TestVideos.NoDecodableFrames), ["frames", "--at", "0"], "no frame of the video stream could be decoded" },
        { nameof(TestVideos.Mpeg4Avi), ["frames", "--at", "3,90"], "frame 90 is past the end (the video has 90 frames" },
        { nameof(TestVideos.OverclaimingAvi), ["frames", "--at", "59"], "frame 59 is past the end" },
        // It decodes the frames it has; only the container's own count shows the rest is missing.
        { nameof(TestVideos.OverclaimingAvi), ["check"], "truncated or damaged: the container lists 60 frames, only" },
        { nameof(TestVideos.ThirdOfAnAvi), ["check"], "truncated or damaged: the container lists 60 frames, only" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Bad_input_is_one_line_naming_the_file_and_exit_code_1(string name, string[] verb, string reason)
    {
        var file = name == "missing" ? Path.Combine(videos.Dir, "does-not-exist.mp4") : (string)typeof(TestVideos).GetProperty(name)!.GetValue(videos)!;
        string[] args = verb[0] == "frames" ? ["video", .. verb, file, "--out", Path.Combine(videos.Dir, "out-" + name)] : ["video", .. verb, file];
        var r = CliProcess.Run(args);
        Assert.Equal(1, r.ExitCode);
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith($"videovcreg: {file}: ", lines[0]);
        Assert.Contains(reason, lines[0]);
    }
}
