using System.Text.Json;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Decoding;

[Collection(VideoCollection.Name)]
public class CliVideoTests(TestVideos videos)
{
    [Fact]
    public void Video_info_json_reports_the_stream()
    {
        var r = CliProcess.Run("video", "info", videos.WrongCountAvi, "--json");
        Assert.Equal(0, r.ExitCode);
        var json = JsonDocument.Parse(r.Stdout).RootElement;
        Assert.Equal(320, json.GetProperty("width").GetInt32());
        Assert.Equal(240, json.GetProperty("height").GetInt32());
        Assert.Equal(FfmpegCli.CountDecodedFrames(videos.WrongCountAvi), json.GetProperty("frames").GetInt32());
        Assert.Equal(30.0, json.GetProperty("fps").GetDouble());
        Assert.Equal(2.0, json.GetProperty("duration").GetDouble(), 3);
        Assert.Equal("mpeg4", json.GetProperty("codec").GetString());
    }

    [Fact]
    public void Video_frames_writes_lossless_pngs_equal_to_the_ffmpeg_cli()
    {
        var dir = Path.Combine(videos.Dir, "frames-out");
        var r = CliProcess.Run("video", "frames", videos.H264Mp4, "--at", "0,5,17,74", "--out", dir);
        Assert.Equal(0, r.ExitCode);
        long[] at = [0, 5, 17, 74];
        var reference = FfmpegCli.ReferenceFrames(videos.H264Mp4, 320, 240, at);
        for (int i = 0; i < at.Length; i++)
        {
            using var png = Image.Load<Rgb24>(Path.Combine(dir, $"frame_{at[i]}.png"));
            Assert.Equal((320, 240), (png.Width, png.Height));
            var rgb = new byte[320 * 240 * 3];
            png.CopyPixelDataTo(rgb);
            FrameAssert.SameFrame(reference[i], rgb, $"frame_{at[i]}.png");
        }
    }

    [Fact]
    public void Two_hundred_byte_mutated_videos_never_crash_the_process()
    {
        // Mutants are decoded in a child process, so a native crash shows up as a missing report line and an
        // exit code other than 0 or 1 instead of taking the test host down.
        var sources = new[] { videos.Mpeg4Avi, videos.H264Mp4, videos.Vp9Webm, videos.MjpegAvi }.Select(File.ReadAllBytes).ToArray();
        var dir = Directory.CreateDirectory(Path.Combine(videos.Dir, "fuzz")).FullName;
        var rng = new Random(4);
        var files = new List<string>();
        for (int i = 0; i < 200; i++)
        {
            var src = sources[i % sources.Length];
            var bytes = (byte[])src.Clone();
            int edits = 1 + rng.Next(i % 3 == 0 ? 200 : 20);
            for (int e = 0; e < edits; e++) bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256);
            // Every fifth mutant is also cut short somewhere.
            if (i % 5 == 4) bytes = bytes[..rng.Next(bytes.Length / 10, bytes.Length)];
            var path = Path.Combine(dir, $"mutant{i:D3}{Path.GetExtension(new[] { ".avi", ".mp4", ".webm", ".avi" }[i % 4])}");
            File.WriteAllBytes(path, bytes);
            files.Add(path);
        }
        var r = CliProcess.Run(["video", "check", .. files]);
        Assert.True(r.ExitCode is 0 or 1, $"exit code {r.ExitCode}: {r.Stderr[^Math.Min(500, r.Stderr.Length)..]}");
        var reported = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Concat(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)).ToList();
        foreach (var f in files) Assert.Single(reported, l => l.EndsWith(" " + f) || l.StartsWith($"videovcreg: {f}: "));
        Assert.Equal(files.Count, reported.Count);
    }
}
