using TorchSharp;
using TorchSharp.Modules;
using VideoVCReg.Models;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.FineTune;

/// <summary>A plain torch Sequential under the model contract: its last layer is the head, no block sites.</summary>
sealed class SequentialNetwork : Network
{
    readonly Sequential layers;
    readonly InputSpec? input;

    public SequentialNetwork(Sequential layers, InputSpec? input = null) : base(nameof(SequentialNetwork))
    {
        this.layers = layers;
        this.input = input;
        RegisterComponents();
    }

    public override nn.Module<Tensor, Tensor> HeadInput => (nn.Module<Tensor, Tensor>)layers.children().Last();
    public override IReadOnlyList<nn.Module<Tensor, Tensor>> BlockModules => [];
    public override long Classes => layers.parameters().Last(p => p.dim() == 2).shape[0];
    public override InputSpec? Input => input;
    public override Tensor forward(Tensor x) => layers.call(x);
}
