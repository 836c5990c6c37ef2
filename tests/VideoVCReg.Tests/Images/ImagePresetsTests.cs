using VideoVCReg.Models.Image;

namespace VideoVCReg.Tests.Images;

/// <summary>configs/images.json: every architecture has a preset, builds with the asked head, and bad files are named.</summary>
public class ImagePresetsTests
{
    [Fact]
    public void Every_architecture_has_a_preset_that_builds_its_network()
    {
        var all = ImagePresets.Load();
        Assert.Equal(ImagePresets.Architectures.Order(), all.Values.Select(p => p.Arch).Order());
        foreach (var preset in all.Values)
        {
            using var net = ImagePresets.Build(preset, 7);
            // The head maps to 7 classes whatever the preset's own class count.
            Assert.Equal(7, net.parameters().Last().shape[0]);
            Assert.Equal(3, preset.Mean.Length);
        }
        Assert.Equal([0.4914, 0.4822, 0.4465], all["resnet32"].Mean);
        Assert.Equal(32, all["resnet32"].InputSize);
    }

    [Fact]
    public void Every_preset_names_a_recipe_and_the_paper_image_alpha_and_beta_with_their_source()
    {
        double[] alphas = [1.28, 0.64, 0.32, 0.16], betas = [0.16, 0.08, 0.04, 0.02, 0.01];   // appendix A, C.1, C.4
        foreach (var preset in ImagePresets.Load().Values)
        {
            Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "configs", "recipes", preset.Recipe + ".json")), $"{preset.Name}: recipe '{preset.Recipe}'");
            // The paper names no chosen point per network: the grid's middle.
            Assert.Equal((0.64, 0.04), (preset.Alpha, preset.Beta));
            Assert.Contains(preset.Alpha, alphas);
            Assert.Contains(preset.Beta, betas);
            Assert.Contains("does not say which point", preset.Sources["alpha, beta"]);
        }
        // The paper trains ResNet-32 only in its long-tail experiments (appendix C.4).
        Assert.Equal("long-tail", ImagePresets.Get("resnet32").Recipe);
    }

    [Fact]
    public void A_broken_preset_file_is_named_with_its_problem()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("presets-").FullName, "images.json");
        try
        {
            File.WriteAllText(path, """{ "x": { "arch": "resnet99", "input_size": 32, "mean": [0,0,0], "std": [1,1,1], "num_classes": 3 } }""");
            var e = Assert.Throws<InvalidDataException>(() => ImagePresets.Load(path));
            Assert.Contains("'x'", e.Message);
            Assert.Contains("resnet99", e.Message);
            File.WriteAllText(path, """{ "x": { "arch": "resnet32", "input_size": 32, "mean": [0,0,0], "std": [1,1,1], "num_classes": 3, "colour": 1 } }""");
            Assert.Contains(path, Assert.Throws<InvalidDataException>(() => ImagePresets.Load(path)).Message);
        }
        finally { Directory.Delete(Path.GetDirectoryName(path)!, true); }
    }
}
