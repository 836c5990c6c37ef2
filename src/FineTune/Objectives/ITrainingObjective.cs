using static TorchSharp.torch;

namespace VideoVCReg.FineTune.Objectives;

/// <summary>What one micro-batch gives the loop: its loss (a scalar with a graph) and how many of its samples the objective counts as right.</summary>
public readonly record struct ObjectiveStep(Tensor Loss, long Correct);

/// <summary>
/// What the loop minimises: the forward pass and the loss of a micro-batch. The loop owns everything else (lr,
/// accumulation, the regularizer, clipping, checkpoints), so a supervised and a self-supervised run differ only here.
/// </summary>
public interface ITrainingObjective
{
    /// <summary>The loss of micro-batch <paramref name="micro"/> of <paramref name="epoch"/> (both seed any draws, so a resume repeats them).</summary>
    ObjectiveStep Step(Tensor inputs, Tensor labels, int epoch, int micro);

    /// <summary>
    /// True when <see cref="Step"/> itself talks to the other ranks (a loss over the gathered global batch): then every rank
    /// must call it for every micro-batch, so the loop agrees on skipping a batch before the step rather than after.
    /// </summary>
    bool Collective => false;
}
