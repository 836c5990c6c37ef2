using TorchSharp.Modules;
using VideoVCReg.Models.Distributed;
using static TorchSharp.torch;

namespace VideoVCReg.FineTune;

/// <summary>
/// DDP's gradient averaging: after the backward, the gradients are packed into flat buckets of about
/// <see cref="BucketBytes"/> (last layers first, as DDP fills them), each bucket is summed over the ranks by one all-reduce,
/// divided by the number of ranks and unpacked. Ranks hold the same model, so every rank makes the same calls in the
/// same order. The reduction runs after the whole backward: TorchSharp exposes no per-parameter gradient hook (PyTorch's
/// Tensor.register_hook / DDP's autograd hooks), so it cannot start while later layers still compute.
/// </summary>
public sealed class GradientBuckets(ProcessGroup group, IReadOnlyList<Parameter> parameters)
{
    public const long BucketBytes = 25L << 20;   // DDP's bucket_cap_mb

    /// <summary>Seconds spent in the all-reduces since the last <see cref="TakeSeconds"/>.</summary>
    double seconds;

    public void Average()
    {
        if (group.Size == 1) return;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var withGrad = parameters.Where(p => p.grad is not null).Reverse().ToList();
        foreach (var bucket in Buckets(withGrad))
        {
            var flat = cat(bucket.Select(p => p.grad!.flatten()).ToList());
            group.AllReduceSum(flat);
            flat.div_(group.Size);
            long offset = 0;
            foreach (var p in bucket)
            {
                long n = p.grad!.numel();
                p.grad.copy_(flat.narrow(0, offset, n).view_as(p.grad));
                offset += n;
            }
        }
        seconds += watch.Elapsed.TotalSeconds;
    }

    public double TakeSeconds()
    {
        var s = seconds;
        seconds = 0;
        return s;
    }

    /// <summary>Consecutive parameters of one dtype and device, up to the bucket size (a larger tensor is a bucket of its own).</summary>
    static IEnumerable<List<Parameter>> Buckets(List<Parameter> ordered)
    {
        var bucket = new List<Parameter>();
        long bytes = 0;
        foreach (var p in ordered)
        {
            long size = p.numel() * p.element_size();
            if (bucket.Count > 0 && (bytes + size > BucketBytes || p.dtype != bucket[0].dtype || p.device_type != bucket[0].device_type))
            {
                yield return bucket;
                (bucket, bytes) = ([], 0);
            }
            bucket.Add(p);
            bytes += size;
        }
        if (bucket.Count > 0) yield return bucket;
    }
}
