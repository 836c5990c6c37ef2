using VideoVCReg.Runtime.Data;
using static TorchSharp.torch;
using static VideoVCReg.Runtime.Autocast;

namespace VideoVCReg.FineTune.Objectives;

/// <summary>
/// Classification: cross-entropy with label smoothing, or, when the recipe mixes, mixup/cutmix with soft targets
/// (each micro-batch's draw seeded by (seed, epoch, micro)). Correct: argmax equals the (unmixed) label. Under --amp the
/// loss takes the logits in float32, as autocast runs its losses.
/// </summary>
public sealed class SupervisedObjective(Models.Network model, TrainOptions options, int seed) : ITrainingObjective
{
    readonly Mixup mixup = options.MixupSettings;

    public ObjectiveStep Step(Tensor x, Tensor y, int epoch, int micro)
    {
        Tensor logits, loss;
        if (mixup.Active && x.shape[0] > 1)
        {
            var (mixed, lambda, _) = mixup.Mix(x, new Random(Seeds.Mix(seed, epoch, micro, 0x313)));
            logits = Full(model.call(mixed));
            loss = Mixup.SoftTargetLoss(logits, Mixup.Targets(y, (int)logits.shape[1], options.LabelSmoothing, lambda));
        }
        else
        {
            logits = Full(model.call(x));
            loss = nn.functional.cross_entropy(logits, y, label_smoothing: options.LabelSmoothing);
        }
        return new ObjectiveStep(loss, logits.argmax(1).eq(y).sum().item<long>());
    }
}
