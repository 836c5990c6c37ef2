using System.CommandLine;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Models.Checkpoints;

namespace VideoVCReg.Cli.Commands;

/// <summary>`videovcreg inspect FILE`: detected layout, key count, and every key's shape.</summary>
public static class InspectCommand
{
    public static Command Build()
    {
        var file = new Argument<string>("FILE") { Description = "Checkpoint: .pth/.pt/.bin (torch.save) or .safetensors" };
        var cmd = new Command("inspect", "Show a checkpoint's detected layout, key count and tensor shapes") { file };
        Verb.SetAction(cmd, ctx =>
        {
            var path = ctx.Parse.GetValue(file)!;
            var raw = CheckpointFile.Read(path);
            try
            {
                var layout = CheckpointLayouts.Detect(raw, path);
                long total = raw.Values.Sum(t => t.numel());
                Console.WriteLine($"file    {path}");
                Console.WriteLine($"layout  {layout}");
                Console.WriteLine($"keys    {raw.Count}");
                Console.WriteLine($"values  {total:N0}");
                foreach (var (k, t) in raw) Console.WriteLine($"  {k}  [{string.Join(", ", t.shape)}] {t.dtype}");
            }
            finally { foreach (var t in raw.Values) t.Dispose(); }
            return Task.FromResult(0);
        });
        return cmd;
    }
}
