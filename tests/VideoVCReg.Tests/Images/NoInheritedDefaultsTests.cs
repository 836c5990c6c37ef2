using System.Text.Json;
using VideoVCReg.Decoding.Images;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Images;

/// <summary>
/// Every image verb records the settings of its own recipe and the paper's image α and β in settings.json, and none of the
/// loop's own defaults, which are VideoMAE's HMDB51 fine-tuning recipe (mixup 0.8, cutmix 1, label smoothing 0.1,
/// repeated augmentation 2, layer decay 0.75, batch 8) and configs/default.json's video α 1, β 0.1.
/// </summary>
public sealed class NoInheritedDefaultsTests : IDisposable
{
    readonly string work = Directory.CreateTempSubdirectory("no-inherited-").FullName;
    readonly string data;

    public NoInheritedDefaultsTests()
    {
        SyntheticImages.Write(Path.Combine(work, "data"), new SynthImageOptions(TrainPerClass: 8, TestPerClass: 2), VideoVCReg.Runtime.IO.AtomicFile.Write);
        data = $"cifar10:{Path.Combine(work, "data", "downstream")}";
    }

    public void Dispose() => Directory.Delete(work, true);

    static readonly string[] Tiny = ["--epochs", "1", "--batch-size", "16", "--threads", "1", "--workers", "1"];

    static JsonElement Settings(string runDir) => SettingsFile.Spec(runDir);

    static JsonElement RecipeLoop(string recipe) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "configs", "recipes", recipe + ".json"))).RootElement.GetProperty("FineTune");

    /// <summary>Mixup, cutmix, label smoothing, repeated augmentation and layer decay are off.</summary>
    static void NoFineTuningSwitch(JsonElement train)
    {
        Assert.Equal(0, train.GetProperty("mixup").GetDouble());
        Assert.Equal(0, train.GetProperty("cutmix").GetDouble());
        Assert.Equal(0, train.GetProperty("label_smoothing").GetDouble());
        Assert.Equal(1, train.GetProperty("repeated_augment").GetInt32());
        Assert.Equal(1, train.GetProperty("layer_decay").GetDouble());
    }

    /// <summary>Each setting of the recipe's loop that was not typed is the recipe's, not the loop's default.</summary>
    static void FromRecipe(JsonElement train, string recipe, params string[] typed)
    {
        foreach (var setting in RecipeLoop(recipe).EnumerateObject().Where(s => !typed.Contains(s.Name)))
        {
            var recorded = train.GetProperty(JsonNamingPolicy.SnakeCaseLower.ConvertName(setting.Name));
            if (setting.Value.ValueKind == JsonValueKind.Number) Assert.True(setting.Value.GetDouble() == recorded.GetDouble(), $"{recipe}: {setting.Name} {recorded} recorded, the recipe says {setting.Value}");
            else Assert.Equal(setting.Value.ToString(), recorded.ToString());
        }
        NoFineTuningSwitch(train);
    }

    static (double Alpha, double Beta, string Placement) Weights(JsonElement settings)
    {
        var reg = settings.GetProperty("regularizer");
        return (reg.GetProperty("alpha").GetDouble(), reg.GetProperty("beta").GetDouble(), reg.GetProperty("placement").GetString()!);
    }

    [Fact]
    public void Supervised_pretraining_takes_its_arch_recipe_and_the_preset_alpha_beta_and_a_typed_alpha_still_wins()
    {
        var dir = Path.Combine(work, "supervised");
        var r = CliProcess.Run(["pretrain", "--arch", "resnet32", "--data", data, "--alpha", "0.32", "--out", dir, .. Tiny]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("recipe: long-tail (resnet32's, from its image preset", r.Stderr);
        var settings = Settings(dir);
        var train = settings.GetProperty("train");
        FromRecipe(train, "long-tail", "Epochs", "BatchSize", "WarmupEpochs");
        // The recipe's 10 of 100 warm-up epochs, kept as a share of the typed single epoch.
        Assert.Equal(0.1, train.GetProperty("warmup_epochs").GetDouble(), 12);
        Assert.Equal((0.32, 0.04, "blocks"), Weights(settings));
    }

    [Theory]
    [InlineData("simclr", "64-64")]
    [InlineData("vicreg", "256-256")]
    public void Self_supervised_pretraining_takes_its_objective_recipe_and_a_projector_scaled_to_the_backbone(string objective, string projector)
    {
        var dir = Path.Combine(work, objective);
        // Eq. 3's scaling: Algorithm 1's at every block diverges within a few steps here (VcReg.DivergenceHint), and this
        // test is about the settings a run records.
        var r = CliProcess.Run(["pretrain", "--arch", "resnet32", "--objective", objective, "--data", data, "--vcreg-scaling", "loss", "--out", dir, .. Tiny]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains($"recipe: {objective} (--objective {objective}'s", r.Stderr);
        var settings = Settings(dir);
        var train = settings.GetProperty("train");
        FromRecipe(train, objective, "Epochs", "BatchSize", "WarmupEpochs");
        Assert.Equal(0.05, train.GetProperty("warmup_epochs").GetDouble(), 12);   // appendix C.5's 5 of 100
        Assert.Equal((0.64, 0.04, "blocks"), Weights(settings));
        Assert.Equal(projector, SettingsFile.Resolved(dir).GetProperty("projector").GetString());
        Assert.Equal(JsonValueKind.Null, settings.GetProperty("projector").ValueKind);   // the spec left it to the objective
    }

    [Fact]
    public void A_self_supervised_run_refuses_label_and_fine_tuning_switches_from_the_command_line_or_a_recipe()
    {
        var typed = CliProcess.Run(["pretrain", "--arch", "resnet32", "--objective", "simclr", "--data", data, "--mixup", "0.2", "--out", Path.Combine(work, "x1"), .. Tiny]);
        Assert.Equal(1, typed.ExitCode);
        Assert.Contains("--objective simclr has no labels and trains every layer from the start: mixup 0.2 must be off", typed.Stderr);
        var recipe = CliProcess.Run(["pretrain", "--arch", "resnet32", "--objective", "vicreg", "--recipe", "resnet50", "--data", data, "--out", Path.Combine(work, "x2"), .. Tiny]);
        Assert.Equal(1, recipe.ExitCode);
        Assert.Contains("mixup 0.2, cutmix 1, label smoothing 0.1 must be off", recipe.Stderr);
        Assert.False(Directory.Exists(Path.Combine(work, "x2", "split1")));
    }

    [Fact]
    public void A_preset_without_a_recipe_gets_the_image_layer_not_the_video_fine_tuning_defaults()
    {
        var presets = Path.Combine(work, "presets.json");
        File.WriteAllText(presets, """
            { "plain32": { "arch": "resnet32", "input_size": 32, "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25], "num_classes": 10, "alpha": 0.16, "beta": 0.01 } }
            """);
        var dir = Path.Combine(work, "plain");
        var r = CliProcess.Run(["pretrain", "--arch", "plain32", "--image-presets", presets, "--data", data, "--out", dir, .. Tiny]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("recipe: none (plain32's preset names none)", r.Stderr);
        var settings = Settings(dir);
        NoFineTuningSwitch(settings.GetProperty("train"));
        Assert.Equal((0.16, 0.01, "blocks"), Weights(settings));
    }

    [Fact]
    public void The_probe_and_the_protocol_record_no_video_fine_tuning_default()
    {
        var probe = Path.Combine(work, "probe");
        var p = CliProcess.Run("probe", "--arch", "resnet32", "--data", data, "--lambdas", "3", "--threads", "1", "--out", probe);
        Assert.True(p.ExitCode == 0, p.Stderr);
        var recorded = File.ReadAllText(Path.Combine(probe, "settings.json"));
        foreach (var setting in new[] { "Mixup", "Cutmix", "LabelSmoothing", "RepeatedAugment", "LayerDecay" }) Assert.DoesNotContain($"\"{setting}\"", recorded);

        var protocol = Path.Combine(work, "protocol");
        var r = CliProcess.Run(["protocol", "long-tail", "--data", data, "--imbalance", "2", "--regs", "vcreg", "--seeds", "1", "--out", protocol, .. Tiny]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("recipe: long-tail (resnet32's, from its image preset", r.Stderr);
        var settings = Settings(Path.Combine(protocol, "pretrain-vcreg"));
        FromRecipe(settings.GetProperty("train"), "long-tail", "Epochs", "BatchSize", "WarmupEpochs");
        Assert.Equal((0.64, 0.04, "blocks"), Weights(settings));
        Assert.Equal((2.0, "fine", "resnet32", data), (settings.GetProperty("imbalance").GetDouble(), settings.GetProperty("labels").GetString(),
            settings.GetProperty("arch").GetString(), settings.GetProperty("source").GetString()));

        // The same pretraining typed as a verb is the same setting: its settings.json, byte for byte, and its numbers.
        var typed = Path.Combine(work, "typed-long-tail");
        var t = CliProcess.Run(["pretrain", "--arch", "resnet32", "--data", data, "--imbalance", "2", "--reg", "vcreg", "--out", typed, .. Tiny]);
        Assert.True(t.ExitCode == 0, t.Stderr);
        Assert.Equal(File.ReadAllText(Path.Combine(protocol, "pretrain-vcreg", "settings.json")), File.ReadAllText(Path.Combine(typed, "settings.json")));
        Assert.Equal(File.ReadAllText(Path.Combine(protocol, "pretrain-vcreg", "split1", "results.json")), File.ReadAllText(Path.Combine(typed, "split1", "results.json")));
    }
}
