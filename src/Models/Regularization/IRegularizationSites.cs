using TorchSharp;
using static TorchSharp.torch;

namespace VideoVCReg.Models.Regularization;

/// <summary>
/// What a model shows the placements: the module whose input is the representation before the
/// classifier, and the modules whose outputs are block and downsample outputs. Models only name these;
/// the hooks are added from outside (composition).
/// </summary>
public interface IRegularizationSites
{
    /// <summary>
    /// The first module after the representation: the classifier, or the dropout in front of it. The paper
    /// regularizes the features before the head; behind a head dropout they would be dropped-out features.
    /// </summary>
    nn.Module<Tensor, Tensor> HeadInput { get; }
    IReadOnlyList<nn.Module<Tensor, Tensor>> BlockModules { get; }
    IReadOnlyList<nn.Module<Tensor, Tensor>> DownsampleModules { get; }
}
