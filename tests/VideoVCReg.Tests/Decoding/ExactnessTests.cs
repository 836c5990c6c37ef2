using VideoVCReg.Decoding;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Decoding;

/// <summary>Frames equal what the ffmpeg CLI decodes for `select=eq(n\,K)`, within one level per channel.</summary>
[Collection(VideoCollection.Name)]
public class ExactnessTests(TestVideos videos)
{
    public static TheoryData<string> Files => new()
    {
        nameof(TestVideos.Mpeg4Avi), nameof(TestVideos.H264Mp4), nameof(TestVideos.Vp9Webm), nameof(TestVideos.MjpegAvi),
        nameof(TestVideos.OddSize), nameof(TestVideos.OddWidthRaw), nameof(TestVideos.VariableFrameRate), nameof(TestVideos.WrongCountAvi),
    };

    string PathOf(string name) => (string)typeof(TestVideos).GetProperty(name)!.GetValue(videos)!;

    [Theory]
    [MemberData(nameof(Files))]
    public void Frames_match_the_ffmpeg_cli_in_random_and_sequential_order(string name)
    {
        var file = PathOf(name);
        using var reader = VideoReader.Open(file);
        int n = reader.Info.Frames;
        Assert.Equal(FfmpegCli.CountDecodedFrames(file), n);

        // Backwards jumps, a jump over keyframes, sequential runs, the last frame and a repeat.
        long[] order = [n / 2, 1, 2, 3, n - 1, 0, n / 2 + 7, n / 2 + 8, 13, n - 2, n / 2];
        var reference = FfmpegCli.ReferenceFrames(file, reader.Info.Width, reader.Info.Height, order);
        var sorted = order.Distinct().Order().ToList();
        // The comparison can tell frames apart: neighbouring references differ by more than the tolerance.
        Assert.True(FrameAssert.MaxDifference(reference[0], reference[1]) > 1, $"{name}: frames 0 and 1 look alike");
        var rgb = new byte[reader.FrameBytes];
        foreach (var k in order)
        {
            reader.ReadFrame(k, rgb);
            FrameAssert.SameFrame(reference[sorted.IndexOf(k)], rgb, $"{name} frame {k}");
        }
    }

    [Fact]
    public void Metadata_matches_the_encoding()
    {
        using (var r = VideoReader.Open(videos.H264Mp4))
            Assert.Equal((320, 240, 75, 25.0, 3.0, "h264"), (r.Info.Width, r.Info.Height, r.Info.Frames, r.Info.Fps, Math.Round(r.Info.Duration, 3), r.Info.Codec));
        using (var r = VideoReader.Open(videos.OddSize))
            Assert.Equal((321, 241, 50, "mpeg4"), (r.Info.Width, r.Info.Height, r.Info.Frames, r.Info.Codec));
        using (var r = VideoReader.Open(videos.WrongCountAvi))
        {
            Assert.Equal(180, r.Info.ContainerFrames); // the doctored header
            Assert.Equal(60, r.Info.Frames);           // what is really there
            Assert.Equal(2.0, Math.Round(r.Info.Duration, 3));
        }
    }

    [Fact]
    public void A_clip_tensor_holds_the_same_frames_as_single_reads()
    {
        using var reader = VideoReader.Open(videos.H264Mp4);
        long[] indices = [40, 44, 48, 52, 52, 3];
        using var clip = reader.ReadClip(indices);
        Assert.Equal(new long[] { 3, indices.Length, 240, 320 }, clip.shape);
        var rgb = new byte[reader.FrameBytes];
        for (int t = 0; t < indices.Length; t++)
        {
            reader.ReadFrame(indices[t], rgb);
            // [C, H, W] slice back to packed bytes
            using var frame = clip[.., t].permute(1, 2, 0).mul(255f).round().to_type(TorchSharp.torch.ScalarType.Byte).contiguous();
            Assert.Equal(rgb, frame.bytes.ToArray());
        }
    }

    [Fact]
    public void Short_side_resize_matches_ffmpeg_bicubic_scaling()
    {
        using var reader = VideoReader.Open(videos.Mpeg4Avi, new VideoReaderOptions(ShortSide: 128));
        Assert.Equal((171, 128), (reader.OutputWidth, reader.OutputHeight));
        var raw = FfmpegCli.Run("-i", videos.Mpeg4Avi, "-vf", "select=eq(n\\,20),scale=171:128:flags=bicubic", "-vsync", "0", "-pix_fmt", "rgb24", "-f", "rawvideo", "-");
        var rgb = new byte[reader.FrameBytes];
        reader.ReadFrame(20, rgb);
        FrameAssert.SameFrame(raw, rgb, "frame 20 at short side 128");
    }
}

/// <summary>Random access costs one GOP at most; sequential reads never seek.</summary>
[Collection(VideoCollection.Name)]
public class SeekCostTests(TestVideos videos)
{
    [Fact]
    public void Random_access_decodes_from_the_nearest_keyframe_and_sequential_reads_never_seek()
    {
        using var reader = VideoReader.Open(videos.H264Mp4); // 75 frames, keyframe every 24, B-frames
        var rgb = new byte[reader.FrameBytes];
        reader.ReadFrame(60, rgb);
        // Frame 60 lies in the GOP that starts at 48: decoding it needs frames 48..60 plus the decoder's reorder delay.
        Assert.InRange(reader.DecodedFrames, 13, 13 + 8);
        Assert.Equal(1, reader.Seeks);
        for (long k = 61; k < 75; k++) reader.ReadFrame(k, rgb);
        Assert.Equal(1, reader.Seeks);
        reader.ReadFrame(5, rgb);
        Assert.Equal(2, reader.Seeks);
    }
}
