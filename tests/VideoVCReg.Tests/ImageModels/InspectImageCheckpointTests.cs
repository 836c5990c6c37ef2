using VideoVCReg.Models.Checkpoints;
using VideoVCReg.Models.Image;
using VideoVCReg.Models.SelfSupervised;
using VideoVCReg.Tests.Support;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.ImageModels;

/// <summary>`inspect` names every layout the loaders read, the toolkit's own image checkpoints included.</summary>
[Collection(GlobalRngCollection.Name)]
public class InspectImageCheckpointTests
{
    [Fact]
    public void Inspect_names_the_image_checkpoints_the_toolkit_writes_and_lists_every_layout_for_others()
    {
        var dir = Directory.CreateTempSubdirectory("inspect-image-").FullName;
        try
        {
            manual_seed(1);
            using var resnet = ImagePresets.Build(ImagePresets.Get("resnet32"), 7);
            var supervised = Path.Combine(dir, "resnet32.pth");
            CheckpointWriter.Save(resnet, supervised);
            using var ssl = new SslNetwork(ImagePresets.Build(ImagePresets.Get("resnet32"), 10), d => nn.Sequential(nn.Linear(d, 16)));
            var pretrained = Path.Combine(dir, "ssl.pth");
            CheckpointWriter.Save(ssl, pretrained);
            using var other = ImagePresets.Build(ImagePresets.Get("resnet18"), 4);

            var r = CliProcess.Run("inspect", supervised);
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Contains("layout  torchvision (resnet32, 7 classes)", r.Stdout);
            Assert.Contains("  linear.weight  [7, 64] Float32", r.Stdout);

            var s = CliProcess.Run("inspect", pretrained);
            Assert.True(s.ExitCode == 0, s.Stderr);
            Assert.Contains("layout  self-supervised pretraining (backbone. + projector.): a resnet32 backbone", s.Stdout);

            Assert.Equal(new ImageLayout("resnet18", false, 4), ImageCheckpoint.Identify(other.state_dict()));
            // A resnet18 without its layer4 is no network the loaders build.
            var cut = other.state_dict().Where(kv => !kv.Key.StartsWith("layer4.")).ToDictionary(kv => kv.Key, kv => kv.Value);
            Assert.Null(ImageCheckpoint.Identify(cut));
            var bad = Path.Combine(dir, "not-a-model.safetensors");
            WriteSafetensors(bad);
            var u = CliProcess.Run("inspect", bad);
            Assert.Equal(1, u.ExitCode);
            var line = Assert.Single(u.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"videovcreg: {bad}: no layout the loaders read fits its 1 keys (such as w); they read VideoMAE", line);
            Assert.Contains("torchvision image models (resnet32, resnet18, resnet50, convnext-t, convnext-atto, vit-b32)", line);
            Assert.Contains("self-supervised pretraining of one (backbone. + projector.)", line);
        }
        finally { Directory.Delete(dir, true); }
    }

    static void WriteSafetensors(string path)
    {
        var json = System.Text.Encoding.UTF8.GetBytes("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""");
        using var f = File.Create(path);
        f.Write(BitConverter.GetBytes((ulong)json.Length));
        f.Write(json);
        f.Write(new byte[4]);
    }
}
