using System.CommandLine;
using System.Globalization;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Decoding;

namespace VideoVCReg.Cli.Commands;

/// <summary>`videovcreg video frames FILE --at 0,5,17 --out DIR`: lossless RGB PNGs `frame_&lt;index&gt;.png` at native size.</summary>
public static class VideoFramesCommand
{
    public static Command Build()
    {
        var file = new Argument<string>("FILE") { Description = "Video file" };
        var at = new Option<string>("--at") { Description = "Comma-separated frame indices (0-based, decode order of shown frames)", Required = true };
        var outDir = new Option<string>("--out") { Description = "Folder for frame_<index>.png (created if missing)", Required = true };
        var noRotate = new Option<bool>("--no-autorotate") { Description = "Keep the stored picture: do not turn it upright by the stream's display rotation" };
        var cmd = new Command("frames", "Write chosen frames as lossless RGB PNGs at native resolution, upright");
        cmd.Arguments.Add(file);
        cmd.Options.Add(at);
        cmd.Options.Add(outDir);
        cmd.Options.Add(noRotate);
        Verb.SetAction(cmd, ctx =>
        {
            var path = ctx.Parse.GetValue(file)!;
            var indices = ParseIndices(ctx.Parse.GetValue(at)!);
            var dir = ctx.Parse.GetValue(outDir)!;
            using var reader = VideoReader.Open(path, new VideoReaderOptions(AutoRotate: !ctx.Parse.GetValue(noRotate)));
            if (reader.Info.Warning is { } warning && !ctx.Parse.GetValue(noRotate)) Console.Error.WriteLine($"videovcreg: warning: {path}: {warning}");
            Directory.CreateDirectory(dir);
            var rgb = new byte[reader.FrameBytes];
            foreach (var k in indices)
            {
                ctx.Cancel.ThrowIfCancellationRequested();
                reader.ReadFrame(k, rgb);
                var png = Path.Combine(dir, $"frame_{k}.png");
                FramePng.Save(rgb, reader.OutputWidth, reader.OutputHeight, png);
                Console.WriteLine(png);
            }
            return Task.FromResult(0);
        });
        return cmd;
    }

    static long[] ParseIndices(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new ArgumentException("--at needs at least one frame index");
        return parts.Select(p => long.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var k) ? k
            : throw new ArgumentException($"--at: '{p}' is not a frame index (expected e.g. 0,5,17)")).ToArray();
    }
}
