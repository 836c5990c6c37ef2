using System.Diagnostics;
using System.Text.Json;
using TorchSharp;
using VideoVCReg.Models.Image;
using VideoVCReg.Runtime.IO;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.ImageModels;

/// <summary>The files written by fixtures/image/make_image_fixtures.py, and the reduced models they describe.</summary>
public static class ImageFixtures
{
    public static string Dir => Path.Combine(AppContext.BaseDirectory, "fixtures", "image");
    public static string File(string name) => Path.Combine(Dir, name);
    public static Tensor Npy(string name) => NpyFile.ReadFloat32(File(name));

    static JsonElement Config(string model)
    {
        using var doc = JsonDocument.Parse(System.IO.File.ReadAllText(File("image_fixtures.json")));
        return doc.RootElement.GetProperty(model).Clone();
    }

    /// <summary>torchvision's VisionTransformer(image_size, patch_size, num_layers, num_heads, hidden_dim, mlp_dim, num_classes).</summary>
    public static VitImage SmallVit(long? numClasses = null)
    {
        var c = Config("vit");
        long L(string k) => c.GetProperty(k).GetInt64();
        return new VitImage(L("image_size"), L("patch_size"), L("hidden_dim"), L("num_layers"), L("num_heads"), L("mlp_dim"),
            numClasses ?? L("num_classes"));
    }

    /// <summary>torchvision's ConvNeXt over CNBlockConfig(input_channels, out_channels, num_layers) per stage.</summary>
    public static ConvNeXt SmallConvNeXt()
    {
        var c = Config("convnext");
        var stages = c.GetProperty("stages").EnumerateArray().ToList();
        long[] widths = stages.Select(s => s[0].GetInt64()).ToArray();
        long[] depths = stages.Select(s => s[2].GetInt64()).ToArray();
        // Each stage's out_channels is the next stage's width (the last has none): check that the config says so.
        for (int i = 0; i < stages.Count; i++)
        {
            var o = stages[i][1];
            Assert.Equal(i + 1 < stages.Count ? widths[i + 1] : (long?)null, o.ValueKind == JsonValueKind.Null ? null : o.GetInt64());
        }
        return new ConvNeXt(depths, widths, c.GetProperty("num_classes").GetInt64(), stochasticDepth: 0.0);
    }

    /// <summary>Key → shape of torchvision's full-size model, asked of torchvision itself (no weights are written).</summary>
    public static Dictionary<string, long[]> TorchvisionKeys(string arch)
    {
        var json = Support.PythonScript.Run(File("make_image_fixtures.py"), "keys", arch);
        return JsonSerializer.Deserialize<Dictionary<string, long[]>>(json)!;
    }

    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        Assert.Equal(b.shape, a.shape);
        return (a - b).abs().max().item<float>();
    }
}
