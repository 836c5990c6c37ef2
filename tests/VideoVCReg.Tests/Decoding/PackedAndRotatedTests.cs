using VideoVCReg.Decoding;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Decoding;

/// <summary>
/// DivX 5 "packed" B-frames (a P and a B VOP in one AVI chunk, then a placeholder N-VOP), made here by
/// fixtures/video/make_packed_avi.py from ordinary XviD AVIs, and phone-style display rotation.
/// </summary>
[Collection(VideoMatrixCollection.Name)]
public class PackedAndRotatedTests(VideoMatrix matrix)
{
    static string Script => Path.Combine(AppContext.BaseDirectory, "fixtures", "video", "make_packed_avi.py");

    string Packed(int bframes)
    {
        var plain = Path.Combine(matrix.Dir, $"unpacked-bf{bframes}.avi");
        FfmpegCli.Run("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=3", "-c:v", "mpeg4", "-vtag", "DX50", "-bf", $"{bframes}", "-g", "12", "-q:v", "4", plain);
        var packed = Path.Combine(matrix.Dir, $"packed-bf{bframes}.avi");
        PythonScript.Run(Script, plain, packed);
        return packed;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Packed_b_frames_decode_frame_exactly_in_any_order(int bframes)
    {
        var file = Packed(bframes);
        // The file really is packed: chunks of a few bytes (N-VOPs) follow the chunks that carry two VOPs.
        var sizes = PacketSizes(file);
        Assert.True(sizes.Count(s => s < 16) >= 20, $"only {sizes.Count(s => s < 16)} N-VOP chunks in {file}");
        using var reader = VideoReader.Open(file);
        int n = reader.Info.Frames;
        Assert.Equal(90, n);
        Assert.Equal(FfmpegCli.CountDecodedFrames(file), n);
        var reference = FfmpegCli.AllFrames(file, 320, 240);
        long[] order = [.. Enumerable.Range(0, n).Select(i => (long)(i * 37 % n))];
        var rgb = new byte[reader.FrameBytes];
        foreach (var k in order)
        {
            reader.ReadFrame(k, rgb);
            FrameAssert.SameFrame(reference[k], rgb, $"packed bf{bframes} frame {k}");
        }
    }

    static List<int> PacketSizes(string file)
    {
        var text = System.Text.Encoding.ASCII.GetString(FfprobeCsv(file, "packet=size"));
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => int.Parse(l.Trim().TrimEnd(','), System.Globalization.CultureInfo.InvariantCulture))];
    }

    static byte[] FfprobeCsv(string file, string entries)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("ffprobe") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-v", "error", "-select_streams", "v:0", "-show_entries", entries, "-of", "csv=p=0", file }) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var ms = new MemoryStream();
        p.StandardOutput.BaseStream.CopyTo(ms);
        p.WaitForExit();
        return ms.ToArray();
    }

    string Rotated(int metadata)
    {
        var plain = matrix["mp4-h264-bf2-g12"];
        var path = Path.Combine(matrix.Dir, $"rotate{metadata}.mp4");
        FfmpegCli.Run("-i", plain, "-c", "copy", "-metadata:s:v:0", $"rotate={metadata}", path);
        return path;
    }

    [Theory]
    [InlineData(90)]
    [InlineData(180)]
    [InlineData(270)]
    public void Rotated_videos_come_out_upright_as_the_cli_shows_them(int metadata)
    {
        var file = Rotated(metadata);
        using var reader = VideoReader.Open(file);
        Assert.Equal((160, 120), (reader.Info.Width, reader.Info.Height));   // coded size, as ffprobe reports it
        Assert.Equal((360 - metadata) % 360, reader.Info.Rotation);
        var expected = metadata == 180 ? (160, 120) : (120, 160);
        Assert.Equal(expected, (reader.OutputWidth, reader.OutputHeight));
        var upright = FfmpegCli.AllFrames(file, reader.OutputWidth, reader.OutputHeight);
        var rgb = new byte[reader.FrameBytes];
        foreach (var k in new long[] { 31, 2, 59, 0 })
        {
            reader.ReadFrame(k, rgb);
            FrameAssert.SameFrame(upright[k], rgb, $"rotate={metadata} frame {k}");
        }

        // Switched off: the stored picture, as `ffmpeg -noautorotate` gives it.
        using var raw = VideoReader.Open(file, new VideoReaderOptions(AutoRotate: false));
        Assert.Equal((160, 120), (raw.OutputWidth, raw.OutputHeight));
        var stored = FfmpegCli.AllFrames(file, 160, 120, autorotate: false);
        raw.ReadFrame(31, rgb);
        FrameAssert.SameFrame(stored[31], rgb, $"rotate={metadata} without autorotation");
    }

    [Fact]
    public void A_rotated_format_that_cannot_be_turned_by_planes_is_turned_as_rgb()
    {
        // MJPEG decodes to yuvj422p, whose chroma is halved in one direction only.
        var plain = Path.Combine(matrix.Dir, "mjpeg.mov");
        FfmpegCli.Run("-f", "lavfi", "-i", "testsrc2=size=160x120:rate=30:duration=1", "-c:v", "mjpeg", "-pix_fmt", "yuvj422p", plain);
        var file = Path.Combine(matrix.Dir, "rotate-mjpeg.mov");
        FfmpegCli.Run("-i", plain, "-c", "copy", "-metadata:s:v:0", "rotate=90", file);
        using var reader = VideoReader.Open(file);
        Assert.Equal((120, 160), (reader.OutputWidth, reader.OutputHeight));
        var upright = FfmpegCli.AllFrames(file, 120, 160);
        var rgb = new byte[reader.FrameBytes];
        reader.ReadFrame(7, rgb);
        FrameAssert.SameFrame(upright[7], rgb, "MJPEG rotate=90 frame 7");
    }

    /// <summary>
    /// High bit depths are turned as planes before conversion, as the CLI turns them: swscale dithers them down to
    /// 8 bits with a pattern that follows the position, so turning the RGB result was 2.5 levels off on average.
    /// </summary>
    [Theory]
    [InlineData("yuv420p10le", 90)]
    [InlineData("yuv444p10le", 270)]
    [InlineData("yuv420p10le", 180)]
    public void A_rotated_high_bit_depth_video_matches_the_cli(string pixelFormat, int metadata)
    {
        var plain = Path.Combine(matrix.Dir, $"{pixelFormat}.mp4");
        FfmpegCli.Run("-f", "lavfi", "-i", "testsrc2=size=160x120:rate=30:duration=1", "-c:v", "libx264", "-pix_fmt", pixelFormat, "-g", "10", plain);
        var file = Path.Combine(matrix.Dir, $"{pixelFormat}-rotate{metadata}.mp4");
        FfmpegCli.Run("-i", plain, "-c", "copy", "-metadata:s:v:0", $"rotate={metadata}", file);
        using var reader = VideoReader.Open(file);
        var upright = FfmpegCli.AllFrames(file, reader.OutputWidth, reader.OutputHeight);
        var rgb = new byte[reader.FrameBytes];
        foreach (var k in new long[] { 17, 2, 29, 0 })
        {
            reader.ReadFrame(k, rgb);
            FrameAssert.SameFrame(upright[k], rgb, $"{pixelFormat} rotate={metadata} frame {k}");
        }
    }

    [Fact]
    public void A_rotated_video_resized_by_its_short_side_matches_the_cli_rotating_then_scaling()
    {
        var file = Rotated(90);
        using var reader = VideoReader.Open(file, new VideoReaderOptions(ShortSide: 64));
        Assert.Equal((64, 85), (reader.OutputWidth, reader.OutputHeight));
        var expected = FfmpegCli.AllFrames(file, 64, 85, filter: "scale=64:85:flags=bicubic");
        var rgb = new byte[reader.FrameBytes];
        reader.ReadFrame(17, rgb);
        FrameAssert.SameFrame(expected[17], rgb, "rotate=90 at short side 64");
    }

    [Fact]
    public void Rotation_moves_pixels_where_a_clockwise_turn_puts_them()
    {
        // 3×2 picture, pixel value = 10·row + column in every channel.
        byte[] src = [.. new[] { 0, 1, 2, 10, 11, 12 }.SelectMany(v => new[] { (byte)v, (byte)v, (byte)v })];
        byte[] Turn(int degrees)
        {
            var (w, h) = FrameRotation.Size(3, 2, degrees);
            var dst = new byte[w * h * 3];
            FrameRotation.Rotate(src, 3, 2, degrees, dst);
            return [.. dst.Where((_, i) => i % 3 == 0)];
        }
        Assert.Equal(new byte[] { 10, 0, 11, 1, 12, 2 }, Turn(90));
        Assert.Equal(new byte[] { 12, 11, 10, 2, 1, 0 }, Turn(180));
        Assert.Equal(new byte[] { 2, 12, 1, 11, 0, 10 }, Turn(270));
    }
}
