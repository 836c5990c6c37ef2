using VideoVCReg.Models.Checkpoints;
using VideoVCReg.Models.Image;
using VideoVCReg.Runtime.IO;
using VideoVCReg.Tests.ImageModels;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Images;

/// <summary>ResNet-32 computes what the long-tail literature's PyTorch ResNet-32 computes, from its own state_dict.</summary>
public class ResNetCifarTests
{
    [Fact]
    public void Resnet32_loads_the_pytorch_state_dict_strictly_and_reproduces_its_logits()
    {
        var dir = Directory.CreateTempSubdirectory("resnet32-").FullName;
        try
        {
            Support.PythonScript.Run(ImageFixtures.File("resnet_cifar_reference.py"), dir, "7");
            using var scope = NewDisposeScope();
            using var model = ResNetCifar.R32(7);
            TorchvisionCheckpoint.LoadStrict(model, Path.Combine(dir, "resnet32.pth"));
            model.eval();
            using var _ = no_grad();
            var logits = model.call(NpyFile.ReadFloat32(Path.Combine(dir, "input.npy")));
            var want = NpyFile.ReadFloat32(Path.Combine(dir, "logits.npy"));
            var err = ImageFixtures.MaxAbsDiff(logits, want);
            Assert.True(err <= 1e-4 * Math.Max(1, want.abs().max().item<float>()), $"max abs error {err:E2}");
            Assert.True(want.std().item<float>() > 0.1, "reference logits barely vary");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Resnet32_has_the_papers_shape_and_fifteen_block_sites()
    {
        using var model = ResNetCifar.R32(10);
        // 0.46M parameters (He et al. 2016, Table 6: "0.46M" for 32 layers).
        Assert.InRange(model.parameters().Sum(p => p.numel()), 460_000, 470_000);
        Assert.Equal(15, model.BlockModules.Count);
        using var _ = no_grad();
        Assert.Equal(new long[] { 2, 10 }, model.call(randn(2, 3, 32, 32)).shape);
    }
}
