using System.CommandLine;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Decoding.Images;
using VideoVCReg.Runtime.IO;

namespace VideoVCReg.Cli.Commands;

/// <summary>`videovcreg data synth-images --out DIR [--train-per-class N --test-per-class N --seed S]`.</summary>
public static class DataSynthImagesCommand
{
    public static Command Build()
    {
        var outDir = new Option<string>("--out") { Description = "Folder for source/ (CIFAR-100 layout) and downstream/ (CIFAR-10 layout)", Required = true };
        var trainPer = new Option<int>("--train-per-class") { Description = "Training images per class", DefaultValueFactory = _ => new SynthImageOptions().TrainPerClass };
        var testPer = new Option<int>("--test-per-class") { Description = "Test images per class", DefaultValueFactory = _ => new SynthImageOptions().TestPerClass };
        var seed = new Option<int>("--seed") { Description = "Data seed", DefaultValueFactory = _ => 0 };
        var folders = new Option<bool>("--folders") { Description = "Also write both sets as ImageFolder trees of PNGs: source-folder/ (fine labels) and downstream-folder/, each with train/ and val/" };
        var cmd = new Command("synth-images", "Write the synthetic image data: a source set with 4 coarse × 16 fine classes (CIFAR-100 binary) and a downstream set of 8 other classes (CIFAR-10 binary)");
        foreach (var o in new Option[] { outDir, trainPer, testPer, seed, folders }) cmd.Options.Add(o);
        Verb.SetAction(cmd, ctx =>
        {
            var dir = ctx.Parse.GetValue(outDir)!;
            var options = new SynthImageOptions(ctx.Parse.GetValue(trainPer), ctx.Parse.GetValue(testPer), ctx.Parse.GetValue(seed));
            SyntheticImages.Write(dir, options, AtomicFile.Write);
            if (ctx.Parse.GetValue(folders))
                foreach (var (name, kind) in new[] { ("source", CifarKind.Cifar100), ("downstream", CifarKind.Cifar10) })
                    ImageFolderWriter.Write(Path.Combine(dir, $"{name}-folder"), CifarBinary.Read(Path.Combine(dir, name), kind, train: true),
                        CifarBinary.Read(Path.Combine(dir, name), kind, train: false), AtomicFile.Write);
            Console.WriteLine($"{Path.Combine(dir, "source")}: cifar100 layout, 16 fine / 4 coarse classes; {Path.Combine(dir, "downstream")}: cifar10 layout, 8 classes; {options.TrainPerClass} train and {options.TestPerClass} test images per class");
            return Task.FromResult(0);
        });
        return cmd;
    }
}
