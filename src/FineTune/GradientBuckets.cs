using TorchSharp.Modules;
using VideoVCReg.Runtime.Distributed;
using static TorchSharp.torch;

namespace VideoVCReg.FineTune;

/// <summary>
/// DDP's gradient averaging: after the backward, the gradients are packed into flat buckets of about
/// <see cref="BucketBytes"/> (last layers first, as DDP fills them), each bucket is summed over the ranks by one all-reduce,
/// divided by the number of ranks and unpacked. Ranks hold the same model, so every rank makes the same calls in the
/// same order. The buckets are allocated once and kept, as DDP keeps its own: a fresh 25 MB tensor a bucket and step cost
/// page faults that made one bucket's packing take 1 ms or 90 ms by turns (bench ddp, ViT-S on 2 ranks: the averaging's
/// share of the step fell from 26–30 % to 9–19 %). The reduction runs after the whole backward: TorchSharp exposes no
/// per-parameter gradient hook (PyTorch's Tensor.register_hook / DDP's autograd hooks), so it cannot start while later
/// layers still compute.
/// </summary>
public sealed class GradientBuckets(ProcessGroup group, IReadOnlyList<Parameter> parameters) : IDisposable
{
    public const long BucketBytes = 25L << 20;   // DDP's bucket_cap_mb

    /// <summary>Seconds spent in the all-reduces since the last <see cref="TakeSeconds"/>.</summary>
    double seconds;

    /// <summary>The buckets of the last call: which parameters, and their flat buffer.</summary>
    List<(List<Parameter> Members, Tensor Flat)>? kept;

    public void Average()
    {
        if (group.Size == 1) return;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var withGrad = parameters.Where(p => p.grad is not null).Reverse().ToList();
        // Parameters that took no gradient this step (a branch not taken) leave the buckets; they are rebuilt then.
        if (kept is null || !kept.SelectMany(b => b.Members).SequenceEqual(withGrad))
        {
            Release();
            kept = [.. Buckets(withGrad).Select(b => (b, empty(b.Sum(p => p.numel()), dtype: b[0].dtype, device: b[0].device).DetachFromDisposeScope()))];
        }
        foreach (var (bucket, flat) in kept)
        {
            long offset = 0;
            foreach (var p in bucket)
            {
                long n = p.numel();
                flat.narrow(0, offset, n).copy_(p.grad!.reshape(n));
                offset += n;
            }
            group.AllReduceSum(flat);
            flat.div_(group.Size);
            offset = 0;
            foreach (var p in bucket)
            {
                long n = p.numel();
                p.grad!.copy_(flat.narrow(0, offset, n).view_as(p.grad));
                offset += n;
            }
        }
        seconds += watch.Elapsed.TotalSeconds;
    }

    void Release()
    {
        foreach (var (_, flat) in kept ?? []) flat.Dispose();
        kept = null;
    }

    public void Dispose() => Release();

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
