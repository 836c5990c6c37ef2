using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Decoding;

namespace VideoVCReg.Cli.Commands;

/// <summary>`videovcreg video info FILE [--json]`: width, height, exact frame count, fps, duration, codec.</summary>
public static class VideoInfoCommand
{
    public static Command Build()
    {
        var file = new Argument<string>("FILE") { Description = "Video file" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (width, height, frames, fps, duration, codec, rotation, container_frames)" };
        var cmd = new Command("info", "Print a video's metadata; the frame count is counted from the packets, not taken from the header");
        cmd.Arguments.Add(file);
        cmd.Options.Add(json);
        Verb.SetAction(cmd, ctx =>
        {
            var path = ctx.Parse.GetValue(file)!;
            using var reader = VideoReader.Open(path);
            var i = reader.Info;
            if (i.Warning is { } warning) Console.Error.WriteLine($"videovcreg: warning: {path}: {warning}");
            if (ctx.Parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    file = path, width = i.Width, height = i.Height, frames = i.Frames, fps = i.Fps,
                    duration = i.Duration, codec = i.Codec, rotation = i.Rotation, container_frames = i.ContainerFrames,
                    display_width = reader.OutputWidth, display_height = reader.OutputHeight,
                }));
                return Task.FromResult(0);
            }
            var c = CultureInfo.InvariantCulture;
            Console.WriteLine($"file      {path}");
            Console.WriteLine($"codec     {i.Codec}");
            Console.WriteLine($"size      {i.Width}x{i.Height}");
            Console.WriteLine($"frames    {i.Frames}" + (i.ContainerFrames > 0 && i.ContainerFrames != i.Frames ? $" (the container claims {i.ContainerFrames})" : ""));
            Console.WriteLine(string.Format(c, "fps       {0:0.###}", i.Fps));
            Console.WriteLine(string.Format(c, "duration  {0:0.###} s", i.Duration));
            Console.WriteLine($"rotation  {i.Rotation}" + (i.Rotation != 0 ? $" (frames come out upright, {reader.OutputWidth}x{reader.OutputHeight}; --no-autorotate keeps them as stored)" : ""));
            return Task.FromResult(0);
        });
        return cmd;
    }
}
