using TorchSharp;
using static TorchSharp.torch;

namespace VideoVCReg.Models.Regularization;

/// <summary>
/// What a model shows the placements: its classifier and the modules whose outputs are block and
/// downsample outputs. Models only name these; the hooks are added from outside (composition).
/// </summary>
public interface IRegularizationSites
{
    nn.Module<Tensor, Tensor> Classifier { get; }
    IReadOnlyList<nn.Module<Tensor, Tensor>> BlockModules { get; }
    IReadOnlyList<nn.Module<Tensor, Tensor>> DownsampleModules { get; }
}
