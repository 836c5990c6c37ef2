using System.CommandLine;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Decoding;

namespace VideoVCReg.Cli.Commands;

/// <summary>
/// `videovcreg video check FILE...`: decodes every frame of each file. One line per file: `ok` with the
/// frame count on stdout, or the reason on stderr. Exit 1 when any file fails; a bad file never stops the rest.
/// </summary>
public static class VideoCheckCommand
{
    public static Command Build()
    {
        var files = new Argument<string[]>("FILE") { Description = "Video files", Arity = ArgumentArity.OneOrMore };
        var cmd = new Command("check", "Decode every frame of each file and report the ones that fail");
        cmd.Arguments.Add(files);
        Verb.SetAction(cmd, ctx =>
        {
            int bad = 0;
            byte[] rgb = [];
            foreach (var path in ctx.Parse.GetValue(files)!)
            {
                ctx.Cancel.ThrowIfCancellationRequested();
                try
                {
                    int frames = VideoCheck.DecodeAll(path, ref rgb, ctx.Cancel, w => Console.Error.WriteLine($"videovcreg: warning: {w}"));
                    Console.WriteLine($"ok {frames} {path}");
                }
                catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or ArgumentException)
                {
                    bad++;
                    Console.Error.WriteLine($"videovcreg: {e.Message.ReplaceLineEndings(" ")}");
                }
            }
            return Task.FromResult(bad == 0 ? 0 : 1);
        });
        return cmd;
    }
}
