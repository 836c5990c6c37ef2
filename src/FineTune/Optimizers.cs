using TorchSharp;
using static TorchSharp.torch;

namespace VideoVCReg.FineTune;

/// <summary>
/// The optimizer a recipe names, over the loop's parameter groups (each with its own weight decay; the lr is set per
/// step by the schedule): <c>adamw</c> (decoupled weight decay; VideoMAE, ConvNeXt and ViT recipes), <c>adam</c>
/// (L2 weight decay added to the gradient, as torch.optim.Adam), <c>sgd</c> (momentum, optionally Nesterov, L2
/// weight decay; torchvision's ResNet recipes). All follow the torch.optim update rules.
/// </summary>
public static class Optimizers
{
    public static readonly string[] Names = ["adamw", "adam", "sgd"];

    public static optim.Optimizer Create(TrainOptions options, IReadOnlyList<ParameterGroup> groups) => options.Optimizer switch
    {
        "adamw" => optim.AdamW(groups.Select(g => new TorchSharp.Modules.AdamW.ParamGroup(g.Parameters,
            new TorchSharp.Modules.AdamW.Options { LearningRate = options.PeakLr, weight_decay = g.WeightDecay, beta1 = options.Beta1, beta2 = options.Beta2 }))),
        "adam" => optim.Adam(groups.Select(g => new TorchSharp.Modules.Adam.ParamGroup(g.Parameters,
            new TorchSharp.Modules.Adam.Options { LearningRate = options.PeakLr, weight_decay = g.WeightDecay, beta1 = options.Beta1, beta2 = options.Beta2 }))),
        "sgd" => optim.SGD(groups.Select(g => new TorchSharp.Modules.SGD.ParamGroup(g.Parameters,
            new TorchSharp.Modules.SGD.Options { LearningRate = options.PeakLr, weight_decay = g.WeightDecay, momentum = options.Momentum, dampening = 0, nesterov = options.Nesterov, maximize = false })),
            options.PeakLr, options.Momentum, 0, 0, options.Nesterov),
        _ => throw new ArgumentException($"FineTune:Optimizer (--optimizer) must be one of {string.Join(", ", Names)} (got '{options.Optimizer}')"),
    };
}
