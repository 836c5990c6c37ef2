using Microsoft.Extensions.Logging;
using VideoVCReg.Models.Checkpoints;
using VideoVCReg.Models.Image;

namespace VideoVCReg.Experiment.Images;

/// <summary>A frozen image backbone for probing and analysis: the preset's network with every weight but its classifier's from a checkpoint.</summary>
public static class ImageBackbone
{
    /// <param name="weights">A torchvision-layout checkpoint of any class count; null: random weights.</param>
    public static ModelFactory Factory(ImagePreset preset, string? weights, ILogger? log = null) => (classes, _) =>
    {
        var net = ImagePresets.Build(preset, classes);
        if (weights is not null)
        {
            var head = TorchvisionCheckpoint.LoadBackbone(net, weights);
            log?.LogInformation("{Weights}: backbone loaded, head ({Head}) left out", weights, head);
        }
        return new BuiltModel(net, preset.Name, weights ?? "random weights");
    };
}
