using VideoVCReg.Experiment.Images;
using VideoVCReg.Models.Image;
using VideoVCReg.Models.SelfSupervised;

namespace VideoVCReg.Tests.Images;

/// <summary>
/// The default projectors: the paper's widths on ResNet-50 (appendix C.5), the same ratios on every other backbone, so a
/// 64-wide ResNet-32 does not carry an 8192-wide head.
/// </summary>
public class ProjectorWidthTests
{
    public static TheoryData<string, long, string, string> Backbones => new()
    {
        // arch, feature width, SimCLR's widths after it, VICReg's
        { "resnet50", 2048, "2048-256", "8192-8192" },      // appendix C.5, as the paper states them
        { "resnet32", 64, "64-64", "256-256" },
        { "resnet18", 512, "512-256", "2048-2048" },
        { "convnext-atto", 320, "320-256", "1280-1280" },
        { "convnext-t", 768, "768-256", "3072-3072" },
        { "vit-b32", 768, "768-256", "3072-3072" },
    };

    [Theory]
    [MemberData(nameof(Backbones))]
    public void Default_projector_widths_scale_with_the_backbone_and_are_the_papers_on_resnet50(string arch, long width, string simclr, string vicreg)
    {
        Assert.Equal(width, ImagePresets.FeatureWidth(arch));
        Assert.Equal(simclr, ImagePretrainSpec.DefaultProjector("simclr", width));
        Assert.Equal(vicreg, ImagePretrainSpec.DefaultProjector("vicreg", width));
        // The width the table gives is the one the built backbone feeds its projector.
        var preset = ImagePresets.Get(arch);
        using var net = new SslNetwork(ImagePresets.Build(preset, 1), d => Projector.VicReg(d, Projector.Widths(vicreg)));
        Assert.Equal(width, net.FeatureWidth);
        var linears = net.named_parameters().Where(p => p.name.StartsWith("projector.") && p.name.EndsWith(".weight") && p.parameter.dim() == 2)
            .Select(p => p.parameter.shape).ToList();
        Assert.Equal([[4 * width, width], [4 * width, 4 * width]], linears);
    }
}
