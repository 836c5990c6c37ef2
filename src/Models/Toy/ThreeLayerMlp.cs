using TorchSharp;
using static TorchSharp.torch;

namespace VideoVCReg.Models.Toy;

/// <summary>
/// The two-moons network of the gradient-starvation demonstration (the paper's §5.1): 2 → H → H → classes, ReLU, with
/// optional batch norm or dropout after each hidden layer. Its two hidden layers are the "blocks" (VCReg's sites), the
/// last linear layer the head.
/// </summary>
public sealed class ThreeLayerMlp : Network
{
    readonly TorchSharp.Modules.Sequential hidden1, hidden2;
    readonly TorchSharp.Modules.Linear head;

    public ThreeLayerMlp(int inputs, int width, int classes, bool batchNorm = false, double dropout = 0) : base(nameof(ThreeLayerMlp))
    {
        TorchSharp.Modules.Sequential Layer(int from)
        {
            var layers = new List<(string, nn.Module<Tensor, Tensor>)> { ("linear", nn.Linear(from, width)) };
            if (batchNorm) layers.Add(("norm", nn.BatchNorm1d(width)));
            layers.Add(("act", nn.ReLU()));
            if (dropout > 0) layers.Add(("dropout", nn.Dropout(dropout)));
            return nn.Sequential(layers);
        }
        hidden1 = Layer(inputs);
        hidden2 = Layer(width);
        head = nn.Linear(width, classes);
        RegisterComponents();
    }

    public override nn.Module<Tensor, Tensor> HeadInput => head;

    public override long Classes => head.out_features;
    public override IReadOnlyList<nn.Module<Tensor, Tensor>> BlockModules => [hidden1, hidden2];

    public override Tensor forward(Tensor x) => head.call(hidden2.call(hidden1.call(x)));
}
