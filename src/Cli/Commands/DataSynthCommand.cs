using System.CommandLine;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Decoding.Datasets;
using VideoVCReg.Decoding.Synthetic;

namespace VideoVCReg.Cli.Commands;

/// <summary>`videovcreg data synth --out DIR [--layout hmdb51|ucf101|kinetics|list --classes N --videos-per-class K --seed S --lossless]`.</summary>
public static class DataSynthCommand
{
    public static Command Build()
    {
        var outDir = new Option<string>("--out") { Description = "Dataset folder (videos/ and splits/ are created in it)", Required = true };
        var classes = new Option<int>("--classes") { Description = "Number of motion classes", DefaultValueFactory = _ => 8 };
        var perClass = new Option<int>("--videos-per-class") { Description = "Videos per class", DefaultValueFactory = _ => 12 };
        var seed = new Option<int>("--seed") { Description = "Dataset seed", DefaultValueFactory = _ => 0 };
        var scene = new Option<double?>("--scene-colour-jitter") { Description = "Give each video a background hue that follows its class's direction, ± this many degrees (a partial scene cue); absent: the class is only in the motion" };
        var layout = new Option<string>("--layout") { Description = "hmdb51 (MPEG-4 AVI and H.264 MP4), ucf101 (XviD AVI with B-frames), kinetics (VP9 WebM and edit-list-trimmed MP4, annotation CSVs) or list (VideoMAE list files)", DefaultValueFactory = _ => "hmdb51" };
        var lossless = new Option<bool>("--lossless") { Description = "Code every video losslessly in its layout's containers (FFV1 for the AVIs, lossless H.264 and VP9), so all layouts decode to the same pixels" };
        var cmd = new Command("synth", "Write a synthetic dataset, in any video layout, whose classes differ in motion");
        foreach (var o in new Option[] { outDir, layout, classes, perClass, seed, scene, lossless }) cmd.Options.Add(o);
        Verb.SetAction(cmd, ctx =>
        {
            var dir = ctx.Parse.GetValue(outDir)!;
            var name = ctx.Parse.GetValue(layout)!;
            if (!Enum.TryParse<DatasetLayout>(name, ignoreCase: true, out var kind) || !name.Any(char.IsLetter))
                throw new ArgumentException($"--layout must be hmdb51, ucf101, kinetics or list (got '{name}')");
            int n = SyntheticDataset.Write(dir, new SynthOptions(ctx.Parse.GetValue(classes), ctx.Parse.GetValue(perClass), ctx.Parse.GetValue(seed), SceneColourJitter: ctx.Parse.GetValue(scene),
                Layout: kind, Lossless: ctx.Parse.GetValue(lossless)), cancel: ctx.Cancel);
            Console.WriteLine($"{n} videos in {dir}; use it as --data {DatasetSpec.Name(kind)}:{dir}");
            return Task.FromResult(0);
        });
        return cmd;
    }
}
