using TorchSharp;
using static TorchSharp.torch;

namespace VideoVCReg.FineTune;

/// <summary>
/// The optimizer a recipe names, over the loop's parameter groups (each with its own weight decay; the lr is set per
/// step by the schedule): <c>adamw</c> (decoupled weight decay; VideoMAE, ConvNeXt and ViT recipes), <c>adam</c>
/// (L2 weight decay added to the gradient, as torch.optim.Adam), <c>sgd</c> (momentum, optionally Nesterov, L2
/// weight decay; torchvision's ResNet recipes), <c>lars</c> (<see cref="Lars"/>: SimCLR's and VICReg's). All follow the
/// update rules of their reference implementations.
/// </summary>
public static class Optimizers
{
    public static readonly string[] Names = ["adamw", "adam", "sgd", "lars"];

    public static optim.Optimizer Create(TrainOptions options, IReadOnlyList<ParameterGroup> groups) => options.Optimizer switch
    {
        "adamw" => optim.AdamW(groups.Select(g => new TorchSharp.Modules.AdamW.ParamGroup(g.Parameters,
            new TorchSharp.Modules.AdamW.Options { LearningRate = options.PeakLr, weight_decay = g.WeightDecay, beta1 = options.Beta1, beta2 = options.Beta2 }))),
        "adam" => optim.Adam(groups.Select(g => new TorchSharp.Modules.Adam.ParamGroup(g.Parameters,
            new TorchSharp.Modules.Adam.Options { LearningRate = options.PeakLr, weight_decay = g.WeightDecay, beta1 = options.Beta1, beta2 = options.Beta2 }))),
        "sgd" => optim.SGD(groups.Select(g => new TorchSharp.Modules.SGD.ParamGroup(g.Parameters,
            new TorchSharp.Modules.SGD.Options { LearningRate = options.PeakLr, weight_decay = g.WeightDecay, momentum = options.Momentum, dampening = 0, nesterov = options.Nesterov, maximize = false })),
            options.PeakLr, options.Momentum, 0, 0, options.Nesterov),
        // Biases and norms (the no-decay groups) skip LARS's weight decay and trust ratio, as SimCLR's and VICReg's code.
        "lars" => new Lars(groups.Select(g => new Lars.ParamGroup(g.Parameters, new Lars.Options
        {
            LearningRate = options.PeakLr, momentum = options.Momentum, eta = 0.001, weight_decay = g.WeightDecay, adapt = !g.Name.EndsWith("no_decay"),
        })), options.PeakLr, options.Momentum),
        _ => throw new ArgumentException($"FineTune:Optimizer (--optimizer) must be one of {string.Join(", ", Names)} (got '{options.Optimizer}')"),
    };
}
