using VideoVCReg.Decoding;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Decoding;

/// <summary>
/// Issue 27's defect files beyond frame exactness (which <see cref="BFrameMatrixTests"/> checks for each of them):
/// what `check` says, mirrored and odd-angle display matrices against the CLI at the pixel level, palettes, cover art.
/// </summary>
[Collection(VideoMatrixCollection.Name)]
public class DefectMatrixTests(VideoMatrix matrix)
{
    public static TheoryData<string> Rows => [.. VideoMatrix.Defects.Keys];

    [Theory]
    [MemberData(nameof(Rows))]
    public void Check_gives_the_verdict_the_table_asks_for(string row)
    {
        var file = matrix[row];
        var verdict = VideoMatrix.Defects[row];
        byte[] rgb = [];
        if (verdict == "ok")
        {
            Assert.Equal(FfmpegCli.CountDecodedFrames(file), VideoCheck.DecodeAll(file, ref rgb));
            return;
        }
        var e = Assert.Throws<InvalidDataException>(() => VideoCheck.DecodeAll(file, ref rgb));
        Assert.StartsWith($"{file}: {verdict}", e.Message);
    }

    /// <summary>`data check` decodes what a run would and says, as `video check` does, where the reader departs from the CLI.</summary>
    [Fact]
    public void Data_check_prints_the_odd_angle_warning_of_a_listed_video()
    {
        var dir = Directory.CreateTempSubdirectory("data-check-warning-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "v"));
            File.Copy(matrix["d7-rotate45.mp4"], Path.Combine(dir, "v", "turned.mp4"));
            File.Copy(matrix["d7-rotate45.mp4"], Path.Combine(dir, "v", "test.mp4"));
            File.WriteAllLines(Path.Combine(dir, "train.csv"), ["v/turned.mp4 0"]);
            File.WriteAllLines(Path.Combine(dir, "test.csv"), ["v/test.mp4 0"]);
            var r = CliProcess.Run("data", "check", $"list:{dir}");
            Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
            var warnings = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("videovcreg: warning: ")).ToList();
            Assert.Equal([$"videovcreg: warning: {Path.Combine(dir, "v", "test.mp4")}: ", $"videovcreg: warning: {Path.Combine(dir, "v", "turned.mp4")}: "],
                warnings.Select(w => w[..(w.IndexOf(".mp4: ") + 6)]));
            Assert.All(warnings, w => Assert.EndsWith("not a multiple of 90°: rounded to 90°", w));
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>Frame 7 of a file as the reader gives it.</summary>
    byte[] Frame(string row, bool autorotate = true)
    {
        using var reader = VideoReader.Open(matrix[row], new VideoReaderOptions(AutoRotate: autorotate));
        var rgb = new byte[reader.FrameBytes];
        reader.ReadFrame(7, rgb);
        return rgb;
    }

    [Theory]
    [InlineData("d6-hflip.mp4", 160, 120)]
    [InlineData("d6-vflip.mp4", 160, 120)]
    [InlineData("d6-transpose.mp4", 120, 160)]
    [InlineData("d6-antitranspose.mp4", 120, 160)]
    public void Mirrored_display_matrices_come_out_as_the_cli_shows_them(string row, int width, int height)
    {
        var file = matrix[row];
        using (var reader = VideoReader.Open(file)) Assert.Equal((width, height), (reader.OutputWidth, reader.OutputHeight));
        var shown = FfmpegCli.ReferenceFrames(file, width, height, [7])[0];
        FrameAssert.SameFrame(shown, Frame(row), $"{row} frame 7");
        // The CLI does mirror it (else the comparison above proves nothing), and no other mirroring gives the same picture.
        var stored = Frame(row, autorotate: false);
        if (width == 160) Assert.True(FrameAssert.MaxDifference(stored, shown) > 1, $"{row}: the CLI shows the stored picture");
        string[] sameShape = width == 160 ? ["d6-hflip.mp4", "d6-vflip.mp4"] : ["d6-transpose.mp4", "d6-antitranspose.mp4"];
        foreach (var other in sameShape.Where(o => o != row))
            Assert.True(FrameAssert.MaxDifference(Frame(other), shown) > 1, $"{row} looks like {other}");
    }

    [Fact]
    public void Flips_move_pixels_where_the_orientation_says()
    {
        // 3×2 picture, pixel value = 10·row + column in every channel.
        byte[] src = [.. new[] { 0, 1, 2, 10, 11, 12 }.SelectMany(v => new[] { (byte)v, (byte)v, (byte)v })];
        byte[] Orient(Orientation o)
        {
            var (w, h) = o.Size(3, 2);
            var dst = new byte[w * h * 3];
            FrameRotation.Orient(src, 3, 2, o, dst);
            return [.. dst.Where((_, i) => i % 3 == 0)];
        }
        Assert.Equal(new byte[] { 2, 1, 0, 12, 11, 10 }, Orient(new(false, true, false)));   // hflip
        Assert.Equal(new byte[] { 10, 11, 12, 0, 1, 2 }, Orient(new(false, false, true)));   // vflip
        Assert.Equal(new byte[] { 0, 10, 1, 11, 2, 12 }, Orient(new(true, false, false)));   // transpose
        Assert.Equal(new byte[] { 12, 2, 11, 1, 10, 0 }, Orient(new(true, true, true)));     // anti-transpose
    }

    [Fact]
    public void A_display_matrix_at_45_degrees_is_rounded_to_90_with_a_warning()
    {
        var file = matrix["d7-rotate45.mp4"];
        using var reader = VideoReader.Open(file);
        Assert.Equal(90, reader.Info.Rotation);
        Assert.Contains("45", reader.Info.Warning);
        Assert.Equal((120, 160), (reader.OutputWidth, reader.OutputHeight));
        int n = reader.Info.Frames;
        Assert.Equal(FfmpegCli.CountDecodedFrames(file), n);
        // The CLI turns by 45° with its bilinear `rotate` filter; the rounded turn is its transpose=clock.
        var expected = FfmpegCli.AllFrames(file, 120, 160, autorotate: false, filter: "transpose=clock");
        var rgb = new byte[reader.FrameBytes];
        foreach (var k in new long[] { 31, 2, n - 1, 0 })
        {
            reader.ReadFrame(k, rgb);
            FrameAssert.SameFrame(expected[k], rgb, $"45° frame {k}");
        }
    }

    [Theory]
    [InlineData("d5-pal8.avi")]
    [InlineData("d5-smc.mov")]
    public void Palette_videos_show_their_colours_after_a_seek(string row)
    {
        var file = matrix[row];
        using var reader = VideoReader.Open(file);
        var rgb = new byte[reader.FrameBytes];
        var expected = FfmpegCli.ReferenceFrames(file, 160, 120, [3, 30]);
        // Frame 30 first: the decoder starts after a seek, away from the packet that carried the palette.
        reader.ReadFrame(30, rgb);
        FrameAssert.SameFrame(expected[1], rgb, $"{row} frame 30");
        Assert.True(rgb.Average(b => b) > 40, $"{row}: frame 30 is dark");
        Assert.True(rgb.Chunk(3).Select(p => (p[0], p[1], p[2])).Distinct().Count() > 20, $"{row}: frame 30 has few colours");
        reader.ReadFrame(3, rgb);
        FrameAssert.SameFrame(expected[0], rgb, $"{row} frame 3");
    }

    [Fact]
    public void An_audio_file_with_cover_art_is_refused_in_one_line()
    {
        var file = matrix["cover-art.mp3"];
        var e = Assert.Throws<InvalidDataException>(() => VideoReader.Open(file));
        Assert.Equal($"{file}: no video stream (only an attached picture, such as cover art)", e.Message);
        var r = CliProcess.Run(["video", "info", file]);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"videovcreg: {e.Message}", r.Stderr.Trim());
    }
}
