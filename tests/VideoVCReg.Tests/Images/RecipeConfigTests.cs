using System.Text.Json;
using Microsoft.Extensions.Configuration;
using VideoVCReg.Decoding.Images;
using VideoVCReg.FineTune;
using VideoVCReg.Runtime.IO;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Images;

/// <summary>configs/recipes/*.json: each binds to a valid recipe that cites its sources, and `--recipe` layers it under typed options.</summary>
public class RecipeConfigTests
{
    static string Folder => Path.Combine(AppContext.BaseDirectory, "configs", "recipes");

    public static TheoryData<string, string, double, int> Recipes => new()
    {
        // name, optimizer, peak lr as the source states it, the batch it is stated at
        { "resnet50", "sgd", 0.5, 1024 },
        { "resnet18", "sgd", 0.1, 256 },
        { "convnext-t", "adamw", 1e-3, 1024 },
        { "vit-b32", "adamw", 0.003, 4096 },
        { "convnext-atto", "adamw", 0.016, 4096 },
        { "long-tail", "adam", 0.016, 256 },
        { "simclr", "lars", 0.3, 256 },
        { "vicreg", "lars", 0.2, 256 },
    };

    [Theory]
    [MemberData(nameof(Recipes))]
    public void Each_recipe_binds_cites_its_sources_and_keeps_the_stated_peak_lr(string name, string optimizer, double lr, int batch)
    {
        var file = Path.Combine(Folder, name + ".json");
        var options = new ConfigurationBuilder().AddJsonFile(file).Build().GetSection("FineTune").Get<TrainOptions>()!;
        Assert.Empty(options.Problems());
        Assert.Equal(optimizer, options.Optimizer);
        // Stored per 256 as the loop scales it: at the stated batch the peak is the source's lr.
        Assert.Equal(lr, (options with { BatchSize = batch, UpdateFreq = 1 }).PeakLr, 12);
        Assert.Equal(1, options.LayerDecay);
        Assert.Equal(1, options.RepeatedAugment);
        // The warm-up's start: torchvision's --lr-warmup-decay (0.033 for ViT, its default 0.01 otherwise); the long-tail and SSL recipes leave it at 1e-6.
        double? factor = name switch { "vit-b32" => 0.033, "long-tail" or "simclr" or "vicreg" or "resnet18" => null, _ => 0.01 };
        Assert.Equal(factor, options.WarmupStartFactor);
        Assert.Equal(factor is double f ? f * options.PeakLr : 1e-6, options.WarmupStart, 15);
        // The ImageFolder parts: torchvision's --auto-augment, --train-crop-size / --val-resize-size and --ra-sampler --ra-reps.
        var data = new ConfigurationBuilder().AddJsonFile(file).Build().GetSection("Data").Get<VideoVCReg.Experiment.Video.DataOptions>() ?? new();
        Assert.Empty(data.Problems());
        var images = data.Images();
        var expected = name switch
        {
            "resnet50" or "convnext-t" => new ImageRecipe("ta_wide", 0.1, 176, 232, 4),
            "convnext-atto" => new ImageRecipe("ta_wide", 0.1, null, null, 4),
            "vit-b32" => new ImageRecipe("imagenet", 0, null, null, 3),
            _ => new ImageRecipe(),
        };
        Assert.Equal(expected, images);
        using var doc = JsonDocument.Parse(File.ReadAllText(file));
        Assert.True(doc.RootElement.GetProperty("_sources").EnumerateObject().Count() >= 3, $"{name}: sources not cited");

        // The paper's image α and β: the grid's middle, with its source cited next to it.
        var reg = new ConfigurationBuilder().AddJsonFile(file).Build().GetSection("Regularizer").Get<VideoVCReg.Models.Regularization.RegularizerOptions>()!;
        Assert.Equal((0.64, 0.04), (reg.Alpha, reg.Beta));
        Assert.Contains("grid", doc.RootElement.GetProperty("_sources").GetProperty("Regularizer:Alpha, Regularizer:Beta").GetString()!);
        // Self-supervised runs have no validation top-1 to choose on, so their recipes carry no grid; the others carry the paper's.
        var grid = VideoVCReg.Experiment.Sweeps.ConfigGrid.Read(file);
        if (name is "simclr" or "vicreg") Assert.Null(grid);
        else
        {
            Assert.NotNull(grid);
            Assert.Equal(["--alpha", "--beta"], grid.Select(a => a.Option));
            Assert.Equal(["1.28", "0.64", "0.32", "0.16"], grid[0].Values);
            Assert.Equal(["0.16", "0.08", "0.04", "0.02", "0.01"], grid[1].Values);
            Assert.Contains("appendix", doc.RootElement.GetProperty("_sources").GetProperty("Grid").GetString());
        }
        // Appendix C.5: "100 epochs with 5 epochs warm-up" for both SSL methods.
        if (name is "simclr" or "vicreg")
        {
            Assert.Equal((100, 5.0), (options.Epochs, options.WarmupEpochs!.Value));
            Assert.Contains("appendix C.5", doc.RootElement.GetProperty("_sources").GetProperty("WarmupEpochs").GetString()!);
            Assert.DoesNotContain("appendix E", File.ReadAllText(file));
        }
    }

    [Fact]
    public void Recipe_sets_the_loop_and_typed_options_override_it()
    {
        var work = Directory.CreateTempSubdirectory("recipe-cli-").FullName;
        try
        {
            var data = Path.Combine(work, "data");
            SyntheticImages.Write(data, new SynthImageOptions(TrainPerClass: 10, TestPerClass: 2), AtomicFile.Write);
            var outDir = Path.Combine(work, "run");
            var r = CliProcess.Run("pretrain", "--arch", "resnet32", "--data", $"cifar10:{Path.Combine(data, "downstream")}", "--recipe", "long-tail",
                "--epochs", "2", "--warmup-epochs", "0", "--batch-size", "16", "--threads", "1", "--out", outDir);
            Assert.True(r.ExitCode == 0, r.Stderr);
            var train = SettingsFile.Spec(outDir).GetProperty("train");
            Assert.Equal("adam", train.GetProperty("optimizer").GetString());
            Assert.Equal(0.05, train.GetProperty("weight_decay").GetDouble());
            Assert.Equal(0, train.GetProperty("label_smoothing").GetDouble());       // the recipe's, over the loop's default 0.1
            Assert.Equal(0, train.GetProperty("mixup").GetDouble());
            Assert.Equal(0, train.GetProperty("warmup_epochs").GetDouble());         // typed over the recipe's 10
            Assert.Equal(2, train.GetProperty("epochs").GetInt32());                // typed over the recipe's 100
            Assert.Equal(16, train.GetProperty("batch_size").GetInt32());

            var unknown = CliProcess.Run("pretrain", "--arch", "resnet32", "--recipe", "magic", "--out", Path.Combine(work, "x"));
            Assert.Equal(1, unknown.ExitCode);
            Assert.Contains("unknown recipe 'magic' (known: convnext-atto, convnext-t, long-tail, resnet18, resnet50, simclr, vicreg, vit-b32", unknown.Stderr);
        }
        finally { Directory.Delete(work, true); }
    }
}
