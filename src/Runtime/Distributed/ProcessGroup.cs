using static TorchSharp.torch;

namespace VideoVCReg.Runtime.Distributed;

/// <summary>
/// The processes of one data-parallel run (MPI's world) and the collectives the training loop needs. Every
/// collective must be entered by every rank in the same order: callers keep that by making the same calls on
/// every rank regardless of their data (see docs/ARCHITECTURE.md, "Data parallel").
/// </summary>
public abstract class ProcessGroup
{
    public abstract int Rank { get; }
    public abstract int Size { get; }
    public bool IsWriter => Rank == 0;

    /// <summary>Sums each element over the ranks, in place.</summary>
    public abstract void AllReduceSum(Span<double> values);
    public abstract void AllReduceSum(Span<float> values);
    /// <summary>Rank 0's bytes on every rank, in place (the length must agree).</summary>
    public abstract void Broadcast(Span<byte> data);
    /// <summary>Every rank's bytes, in rank order, on every rank.</summary>
    public abstract byte[][] AllGather(ReadOnlySpan<byte> mine);
    public abstract void Barrier();
    /// <summary>Ends every rank of the run at once (after an error on one, so the others do not wait forever).</summary>
    public abstract void Abort(int code);

    /// <summary>
    /// Asks the launcher to interrupt every rank, as it does when it is signalled itself; false when this process cannot.
    /// For a signal that reached one rank alone: the others, waiting in a collective for it, would otherwise be ended by an
    /// abort, with the launcher's banner and no line of ours.
    /// </summary>
    public virtual bool InterruptJob() => false;

    /// <summary>Whether collectives take CUDA device memory directly (a CUDA-aware MPI); otherwise CUDA tensors are staged through host memory.</summary>
    public virtual bool DeviceBuffers => false;

    protected virtual void AllReduceSumDevice(IntPtr data, long count, ScalarType type) => throw new NotSupportedException("this process group takes host buffers only");
    protected virtual void BroadcastDevice(IntPtr data, long bytes) => throw new NotSupportedException("this process group takes host buffers only");

    /// <summary>A contiguous CUDA tensor MPI may read and write in place, its kernels finished (MPI does not see CUDA streams).</summary>
    bool OnDevice(Tensor t)
    {
        if (!DeviceBuffers || t.device_type != TorchSharp.DeviceType.CUDA || !t.is_contiguous()) return false;
        TorchSharp.torch.cuda.synchronize();
        return true;
    }

    /// <summary>Sums a tensor over the ranks, in place: a CUDA tensor as device memory with a CUDA-aware MPI (<see cref="DeviceBuffers"/>), else through host memory.</summary>
    public void AllReduceSum(Tensor t)
    {
        if (Size == 1) return;
        if (OnDevice(t) && t.dtype is ScalarType.Float32 or ScalarType.Float64)
        {
            AllReduceSumDevice(TensorMemory.Address(t), t.numel(), t.dtype);
            return;
        }
        using var scope = NewDisposeScope();
        var host = t.device_type == TorchSharp.DeviceType.CPU && t.is_contiguous() ? t : t.cpu().contiguous();
        if (host.dtype == ScalarType.Float64) AllReduceSum(Span<double>(host));
        else if (host.dtype == ScalarType.Float32) AllReduceSum(Span<float>(host));
        else throw new ArgumentException($"all-reduce takes float32 or float64 tensors, not {host.dtype}");
        if (!ReferenceEquals(host, t)) t.copy_(host);
    }

    /// <summary>Rank 0's values of a tensor on every rank, in place.</summary>
    public void Broadcast(Tensor t)
    {
        if (Size == 1) return;
        if (OnDevice(t))
        {
            BroadcastDevice(TensorMemory.Address(t), t.numel() * t.ElementSize);
            return;
        }
        using var scope = NewDisposeScope();
        var host = t.device_type == TorchSharp.DeviceType.CPU && t.is_contiguous() ? t : t.cpu().contiguous();
        Broadcast(Bytes(host));
        if (!ReferenceEquals(host, t)) t.copy_(host);
    }

    /// <summary>One number agreed by all ranks: rank 0's.</summary>
    public int Broadcast(int value)
    {
        Span<byte> b = stackalloc byte[4];
        BitConverter.TryWriteBytes(b, value);
        Broadcast(b);
        return BitConverter.ToInt32(b);
    }

    // Tensor.bytes is a span over the tensor's own memory (no copy) for a contiguous CPU tensor.
    static Span<T> Span<T>(Tensor t) where T : unmanaged => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(t.bytes);
    static Span<byte> Bytes(Tensor t) => t.bytes;

    /// <summary>The run of one process: every collective is the identity.</summary>
    public static ProcessGroup Single { get; } = new SingleProcess();

    /// <summary>This process's run: MPI's world when started by mpirun/srun (<see cref="Mpi.MpiWorld.Join"/>), else <see cref="Single"/>.</summary>
    public static ProcessGroup World { get; set; } = Single;

    sealed class SingleProcess : ProcessGroup
    {
        public override int Rank => 0;
        public override int Size => 1;
        public override void AllReduceSum(Span<double> values) { }
        public override void AllReduceSum(Span<float> values) { }
        public override void Broadcast(Span<byte> data) { }
        public override byte[][] AllGather(ReadOnlySpan<byte> mine) => [mine.ToArray()];
        public override void Barrier() { }
        public override void Abort(int code) => Environment.Exit(code);
    }
}
