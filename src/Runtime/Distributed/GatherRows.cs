using TorchSharp;
using static TorchSharp.torch;

namespace VideoVCReg.Runtime.Distributed;

/// <summary>
/// Every rank's rows of a [n_r, …] tensor, in rank order, with a gradient: the self-supervised losses need the whole
/// global batch (SimCLR's negatives, VICReg's variance and covariance), as SimCLR's cross-replica gather and VICReg's
/// FullGatherLayer give them. Backward: the incoming gradient is summed over the ranks and this rank's rows kept, because
/// every rank computes the same loss and the loop then averages the gradients over the ranks; the product is exactly
/// the single-process gradient of that loss. Host-staged, any row counts.
/// </summary>
public sealed class GatherRows : autograd.SingleTensorFunction<GatherRows>
{
    public override string Name => "GatherRows";

    /// <summary>The gathered tensor and where this rank's rows start in it.</summary>
    public static (Tensor All, long Offset) Apply(Tensor rows, ProcessGroup group)
    {
        if (group.Size == 1) return (rows, 0);
        var offset = new System.Runtime.CompilerServices.StrongBox<long>();
        var all = apply(rows, group, offset);
        return (all, offset.Value);
    }

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (rows, group) = ((Tensor)vars[0], (ProcessGroup)vars[1]);
        using var scope = NewDisposeScope();
        var host = rows.detach().cpu().contiguous();
        var parts = group.AllGather(host.bytes);
        long width = rows.shape[0] == 0 ? 0 : rows.numel() / rows.shape[0];
        long rowBytes = width * host.ElementSize;
        var tail = rows.shape.Skip(1).ToArray();
        var tensors = new List<Tensor>();
        long offset = 0, count = rows.shape[0];
        for (int r = 0; r < parts.Length; r++)
        {
            if (rowBytes == 0 || parts[r].Length % rowBytes != 0)
                throw new InvalidDataException($"rank {r} sent {parts[r].Length} bytes, not whole rows of {rowBytes}");
            long n = parts[r].Length / rowBytes;
            if (r < group.Rank) offset += n;
            var t = empty([n, .. tail], dtype: rows.dtype);
            parts[r].AsSpan().CopyTo(t.bytes);
            tensors.Add(t);
        }
        ((System.Runtime.CompilerServices.StrongBox<long>)vars[2]).Value = offset;
        ctx.save_data("offset", offset);
        ctx.save_data("count", count);
        ctx.save_data("group", group);
        return cat(tensors, 0).to(rows.device).MoveToOuterDisposeScope();
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad)
    {
        var (offset, count, group) = ((long)ctx.get_data("offset"), (long)ctx.get_data("count"), (ProcessGroup)ctx.get_data("group"));
        try
        {
            using var scope = NewDisposeScope();
            var sum = grad.contiguous().clone();
            group.AllReduceSum(sum);
            return [sum.narrow(0, offset, count).contiguous().MoveToOuterDisposeScope(), null!, null!];
        }
        catch (Exception e)
        {
            BackwardFailure.Record(e);
            return [zeros([count, .. grad.shape.Skip(1)], dtype: grad.dtype, device: grad.device), null!, null!];
        }
    }
}
