using System.CommandLine;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Models;

namespace VideoVCReg.Cli.Commands;

/// <summary>`videovcreg models`: the presets in configs/models.json with parameter counts and input shape.</summary>
public static class ModelsCommand
{
    public static Command Build()
    {
        var cmd = new Command("models", "List model presets (configs/models.json) with parameter counts and default input shape");
        Verb.SetAction(cmd, ctx =>
        {
            Console.WriteLine($"{"preset",-14} {"params",9}  {"input [C,T,H,W]",-17} {"classes",7}  description");
            foreach (var (name, c) in ModelPresets.Load())
            {
                using var model = new VisionTransformer(c);
                Console.WriteLine($"{name,-14} {model.ParameterCount() / 1e6,8:F1}M  {$"[{c.InChans},{c.Frames},{c.ImageSize},{c.ImageSize}]",-17} {c.NumClasses,7}  {c.Description}");
            }
            return Task.FromResult(0);
        });
        return cmd;
    }
}
