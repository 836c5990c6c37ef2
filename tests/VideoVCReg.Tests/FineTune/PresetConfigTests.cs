using System.Text.Json;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.FineTune;

/// <summary>configs/hmdb51/*.json: the paper's HMDB51 runs, one per model, each accepted whole by `finetune --config`.</summary>
public class PresetConfigTests
{
    internal static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "VideoVCReg.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("VideoVCReg.sln not found above the test binaries");
    }

    public static TheoryData<string> Models => ["videomae-s", "videomae-b", "videomaev2-s", "videomaev2-b", "vivit-b"];

    [Theory]
    [MemberData(nameof(Models))]
    public void Each_preset_is_the_papers_recipe_and_grid_and_binds_without_a_complaint(string model)
    {
        var file = Path.Combine(RepoRoot(), "configs", "hmdb51", $"{model}.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(file));
        var grid = doc.RootElement.GetProperty("Grid");
        Assert.Equal(new[] { 1.0, 3, 5 }, grid.GetProperty("Regularizer:Alpha").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal(new[] { 0.1, 0.3, 0.5 }, grid.GetProperty("Regularizer:Beta").EnumerateArray().Select(e => e.GetDouble()));
        var data = doc.RootElement.GetProperty("Data");
        Assert.Equal((10, 3, "all"), (data.GetProperty("TestClips").GetInt32(), data.GetProperty("TestCrops").GetInt32(), data.GetProperty("Split").GetString()));
        Assert.Equal("head", doc.RootElement.GetProperty("Regularizer").GetProperty("Placement").GetString());
        // Every setting passes validation: the run gets as far as looking for the dataset.
        var missing = Path.Combine(Path.GetTempPath(), "no-hmdb51-" + Guid.NewGuid().ToString("N"));
        var outDir = Directory.CreateTempSubdirectory("preset-").FullName;
        try
        {
            var r = CliProcess.Run("finetune", "--config", file, "--model", model, "--data", missing, "--out", outDir);
            Assert.Equal(1, r.ExitCode);
            Assert.Equal($"videovcreg: {missing}: dataset folder not found", r.Stderr.Trim());
        }
        finally { Directory.Delete(outDir, true); }
    }

    /// <summary>configs/ucf101 and configs/kinetics: VideoMAE's scripts for the other video data, each value cited.</summary>
    [Theory]
    [InlineData("ucf101", "videomae-b", 100, 16, 0.7)]
    [InlineData("kinetics", "videomae-b", 75, 6, 0.75)]
    [InlineData("kinetics", "videomae-s", 150, 12, 0.75)]
    public void Other_video_presets_cite_every_value_and_bind_without_a_complaint(string layout, string model, int epochs, int batch, double layerDecay)
    {
        var file = Path.Combine(RepoRoot(), "configs", layout, $"{model}.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(file));
        var cited = doc.RootElement.GetProperty("_sources").EnumerateObject().SelectMany(p => p.Name.Split(',', StringSplitOptions.TrimEntries)).ToHashSet();
        foreach (var section in new[] { "FineTune", "Data" })
            foreach (var setting in doc.RootElement.GetProperty(section).EnumerateObject())
                Assert.Contains($"{section}:{setting.Name}", cited);
        var train = doc.RootElement.GetProperty("FineTune");
        Assert.Equal((epochs, batch, 5e-4, layerDecay), (train.GetProperty("Epochs").GetInt32(), train.GetProperty("BatchSize").GetInt32(),
            train.GetProperty("BaseLr").GetDouble(), train.GetProperty("LayerDecay").GetDouble()));
        var data = doc.RootElement.GetProperty("Data");
        Assert.Equal((4, 5, 3), (data.GetProperty("SamplingRate").GetInt32(), data.GetProperty("TestClips").GetInt32(), data.GetProperty("TestCrops").GetInt32()));
        var missing = Path.Combine(Path.GetTempPath(), $"no-{layout}-" + Guid.NewGuid().ToString("N"));
        var outDir = Directory.CreateTempSubdirectory("preset-").FullName;
        try
        {
            var r = CliProcess.Run("finetune", "--config", file, "--model", model, "--data", $"{layout}:{missing}", "--out", outDir);
            Assert.Equal(1, r.ExitCode);
            Assert.Equal($"videovcreg: {missing}: dataset folder not found", r.Stderr.Trim());
        }
        finally { Directory.Delete(outDir, true); }
    }
}
