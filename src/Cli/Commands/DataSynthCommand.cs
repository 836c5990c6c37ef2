using System.CommandLine;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Decoding.Synthetic;

namespace VideoVCReg.Cli.Commands;

/// <summary>`videovcreg data synth --out DIR [--classes N --videos-per-class K --seed S]`.</summary>
public static class DataSynthCommand
{
    public static Command Build()
    {
        var outDir = new Option<string>("--out") { Description = "Dataset folder (videos/ and splits/ are created in it)", Required = true };
        var classes = new Option<int>("--classes") { Description = "Number of motion classes", DefaultValueFactory = _ => 8 };
        var perClass = new Option<int>("--videos-per-class") { Description = "Videos per class", DefaultValueFactory = _ => 12 };
        var seed = new Option<int>("--seed") { Description = "Dataset seed", DefaultValueFactory = _ => 0 };
        var scene = new Option<double?>("--scene-colour-jitter") { Description = "Give each video a background hue that follows its class's direction, ± this many degrees (a partial scene cue); absent: the class is only in the motion" };
        var cmd = new Command("synth", "Write a synthetic HMDB51-layout dataset whose classes differ in motion (MPEG-4 AVI plus some H.264 MP4)");
        foreach (var o in new Option[] { outDir, classes, perClass, seed, scene }) cmd.Options.Add(o);
        Verb.SetAction(cmd, ctx =>
        {
            var dir = ctx.Parse.GetValue(outDir)!;
            int n = SyntheticDataset.Write(dir, new SynthOptions(ctx.Parse.GetValue(classes), ctx.Parse.GetValue(perClass), ctx.Parse.GetValue(seed), SceneColourJitter: ctx.Parse.GetValue(scene)),
                cancel: ctx.Cancel);
            Console.WriteLine($"{n} videos in {Path.Combine(dir, "videos")}, split files in {Path.Combine(dir, "splits")}");
            return Task.FromResult(0);
        });
        return cmd;
    }
}
