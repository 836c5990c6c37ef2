using static TorchSharp.torch;

namespace VideoVCReg.FineTune.Objectives;

/// <summary>
/// Classification: cross-entropy with label smoothing, or, when the recipe mixes, mixup/cutmix with soft targets
/// (each micro-batch's draw seeded by (seed, epoch, micro)). Correct: argmax equals the (unmixed) label.
/// </summary>
public sealed class SupervisedObjective(Models.Network model, TrainOptions options, int seed) : ITrainingObjective
{
    readonly Mixup mixup = options.MixupSettings;

    public ObjectiveStep Step(Tensor x, Tensor y, int epoch, int micro)
    {
        Tensor logits, loss;
        if (mixup.Active && x.shape[0] > 1)
        {
            var (mixed, lambda, _) = mixup.Mix(x, new Random(Decoding.Seeds.Mix(seed, epoch, micro, 0x313)));
            logits = model.call(mixed);
            loss = Mixup.SoftTargetLoss(logits, Mixup.Targets(y, (int)logits.shape[1], options.LabelSmoothing, lambda));
        }
        else
        {
            logits = model.call(x);
            loss = nn.functional.cross_entropy(logits, y, label_smoothing: options.LabelSmoothing);
        }
        return new ObjectiveStep(loss, logits.argmax(1).eq(y).sum().item<long>());
    }
}
