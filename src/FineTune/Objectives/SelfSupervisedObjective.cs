using VideoVCReg.Runtime.Distributed;
using VideoVCReg.Models.SelfSupervised;
using VideoVCReg.Runtime;
using static TorchSharp.torch;

namespace VideoVCReg.FineTune.Objectives;

/// <summary>The self-supervised objectives `pretrain --objective` offers beside supervised.</summary>
public static class SelfSupervisedKinds
{
    public const string SimClr = "simclr", VicReg = "vicreg";
    public static readonly string[] All = [SimClr, VicReg];
}

/// <summary>
/// SimCLR's or VICReg's loss on two views of every sample (inputs <c>[B, 2, …]</c>, labels unused) through a
/// backbone-and-projector model. SimCLR runs both views as one batch of 2B, so its batch norms see both (SimCLR's own
/// code); VICReg runs them one after the other, as its main_vicreg.py. Correct: the samples whose second view is the
/// nearest (cosine) of all second views to their first view's embedding, a retrieval accuracy that rises as the
/// representation learns, in the place of a supervised run's training accuracy.
/// Data parallel, both losses (and the retrieval) take the embeddings of every rank's samples (<see cref="GatherRows"/>),
/// so N processes at batch B compute the loss of one process at batch N·B, as SimCLR's and VICReg's own code do.
/// </summary>
public sealed class SelfSupervisedObjective : ITrainingObjective
{
    readonly Models.Network model;
    readonly string kind;
    readonly double temperature;
    readonly ProcessGroup group;

    public SelfSupervisedObjective(Models.Network model, string kind, double temperature = 0.1, ProcessGroup? group = null)
    {
        this.group = group ?? ProcessGroup.Single;
        if (!SelfSupervisedKinds.All.Contains(kind)) throw new ArgumentException($"unknown self-supervised objective '{kind}' (one of {string.Join(", ", SelfSupervisedKinds.All)})");
        if (!(temperature > 0 && double.IsFinite(temperature))) throw new ArgumentException($"--temperature must be a finite number > 0 (got {temperature})");
        (this.model, this.kind, this.temperature) = (model, kind, temperature);
    }

    public bool Collective => group.Size > 1;

    public ObjectiveStep Step(Tensor x, Tensor labels, int epoch, int micro)
    {
        if (x.dim() < 3 || x.shape[1] != 2)
            throw new ArgumentException($"a {kind} step takes two views of each sample, [B, 2, …] (got [{string.Join(", ", x.shape)}])");
        long n = x.shape[0];
        var (v1, v2) = (x.select(1, 0), x.select(1, 1));
        Tensor z1, z2, loss;
        if (kind == SelfSupervisedKinds.SimClr)
        {
            var z = Autocast.Full(model.call(cat([v1, v2], 0)));
            (z1, z2) = (z[..(int)n], z[(int)n..]);
        }
        else (z1, z2) = (Autocast.Full(model.call(v1)), Autocast.Full(model.call(v2)));
        var (all1, offset) = GatherRows.Apply(z1, group);
        var (all2, _) = GatherRows.Apply(z2, group);
        loss = kind == SelfSupervisedKinds.SimClr ? SslLosses.NtXent(all1, all2, temperature) : SslLosses.VicReg(all1, all2).Loss;
        return new ObjectiveStep(loss, PairsFound(all1, all2, offset, n));
    }

    /// <summary>
    /// Rows i of <paramref name="z1"/> (of the <paramref name="count"/> from <paramref name="offset"/>: this rank's; all by
    /// default) whose most cosine-similar row of <paramref name="z2"/> is row i.
    /// </summary>
    public static long PairsFound(Tensor z1, Tensor z2, long offset = 0, long count = -1)
    {
        if (count < 0) count = z1.shape[0] - offset;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var a = nn.functional.normalize(z1, p: 2, dim: 1);
        var b = nn.functional.normalize(z2, p: 2, dim: 1);
        var nearest = a.narrow(0, offset, count).matmul(b.t()).argmax(1);
        return nearest.eq(arange(offset, offset + count, dtype: ScalarType.Int64, device: z1.device)).sum().item<long>();
    }
}
