using System.Text.Json;
using TorchSharp;
using VideoVCReg.Models;
using VideoVCReg.Runtime.IO;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Models;

/// <summary>The files written by fixtures/models/make_model_fixtures.py, and the reduced config they use.</summary>
public static class ModelFixtures
{
    public static string Dir => Path.Combine(AppContext.BaseDirectory, "fixtures", "models");
    public static string File(string name) => Path.Combine(Dir, name);
    public static string Script => File("make_model_fixtures.py");

    /// <summary>The reduced architecture as a VideoMAE config; layout-specific switches come from the checkpoint.</summary>
    public static ModelConfig Small()
    {
        using var doc = JsonDocument.Parse(System.IO.File.ReadAllText(File("fixtures.json")));
        var c = doc.RootElement.GetProperty("config");
        int I(string k) => c.GetProperty(k).GetInt32();
        return new ModelConfig
        {
            Name = "fixture-small", EmbedDim = I("dim"), Depth = I("depth"), NumHeads = I("heads"), Tubelet = I("tubelet"),
            PatchSize = I("patch"), Frames = I("frames"), ImageSize = I("size"), NumClasses = I("classes"),
        };
    }

    public static Tensor Npy(string name) => NpyFile.ReadFloat32(File(name));

    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        Assert.Equal(b.shape, a.shape);
        return (a - b).abs().max().item<float>();
    }
}
