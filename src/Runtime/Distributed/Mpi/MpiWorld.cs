namespace VideoVCReg.Runtime.Distributed.Mpi;

/// <summary>
/// MPI_COMM_WORLD as a <see cref="ProcessGroup"/>. A CUDA tensor goes to MPI as device memory when the library is
/// CUDA-aware and <see cref="CudaSwitch"/> allows it, and through host memory otherwise (any Open MPI build; Debian's is
/// not CUDA-aware). Calls come from one thread at a time (the loop's, or libtorch's backward thread for the VCReg
/// statistics), hence MPI_THREAD_SERIALIZED.
/// </summary>
public sealed unsafe class MpiWorld : ProcessGroup, IDisposable
{
    readonly IntPtr comm, tDouble, tFloat, tInt, tByte, opSum;

    MpiWorld()
    {
        MpiNative.Load();
        // Before MPI_Init, so that a refused setting ends each rank with its line and no half-started job.
        DeviceBuffers = UsesDeviceBuffers(Environment.GetEnvironmentVariable(CudaSwitch), MpiNative.CudaSupport());
        Check(MpiNative.MPI_Initialized(out int done), "MPI_Initialized");
        if (done == 0)
        {
            Check(MpiNative.MPI_Init_thread(IntPtr.Zero, IntPtr.Zero, MpiNative.ThreadSerialized, out int provided), "MPI_Init_thread");
            if (provided < MpiNative.ThreadSerialized)
                throw new InvalidOperationException($"MPI gives thread level {provided}; data-parallel training needs MPI_THREAD_SERIALIZED ({MpiNative.ThreadSerialized})");
        }
        comm = MpiNative.Handle("MPI_COMM_WORLD");
        (tDouble, tFloat, tInt, tByte, opSum) = (MpiNative.Handle("MPI_DOUBLE"), MpiNative.Handle("MPI_FLOAT"),
            MpiNative.Handle("MPI_INT"), MpiNative.Handle("MPI_BYTE"), MpiNative.Handle("MPI_SUM"));
        Check(MpiNative.MPI_Comm_rank(comm, out int rank), "MPI_Comm_rank");
        Check(MpiNative.MPI_Comm_size(comm, out int size), "MPI_Comm_size");
        (Rank, Size) = (rank, size);
    }

    public override int Rank { get; }
    public override int Size { get; }

    /// <summary>
    /// The switch for CUDA-aware MPI: auto (default: device buffers when the library says it is CUDA-aware,
    /// MPIX_Query_cuda_support), on (required: refused when it is not), off (always through host memory).
    /// </summary>
    public const string CudaSwitch = "VIDEOVCREG_MPI_CUDA";

    public override bool DeviceBuffers { get; }

    /// <summary>What <see cref="CudaSwitch"/>'s value and the library's answer make of it; a bad value or "on" without support is one line.</summary>
    public static bool UsesDeviceBuffers(string? setting, bool supported) => (setting?.Trim().ToLowerInvariant() ?? "") switch
    {
        "" or "auto" => supported,
        "off" or "0" or "false" => false,
        "on" or "1" or "true" => supported ? true
            : throw new InvalidOperationException($"{CudaSwitch}=on, but this MPI library is not CUDA-aware (MPIX_Query_cuda_support() is not 1); use auto or off to stage CUDA tensors through host memory"),
        var other => throw new ArgumentException($"{CudaSwitch} must be auto, on or off (got '{other}')"),
    };

    /// <summary>
    /// True when this process was started as one rank of several by Open MPI's mpirun (OMPI_COMM_WORLD_SIZE) or by a
    /// PMIx launcher such as `srun --mpi=pmix` (PMIX_RANK with SLURM_NTASKS &gt; 1).
    /// </summary>
    public static bool Launched()
    {
        static int Int(string name) => int.TryParse(Environment.GetEnvironmentVariable(name), out var v) ? v : 0;
        return Int("OMPI_COMM_WORLD_SIZE") > 1 || (Environment.GetEnvironmentVariable("PMIX_RANK") is not null && Int("SLURM_NTASKS") > 1);
    }

    /// <summary>Initialises MPI and makes it <see cref="ProcessGroup.World"/> when <see cref="Launched"/>; otherwise leaves the single process.</summary>
    public static ProcessGroup Join()
    {
        if (!Launched()) return World;
        var world = new MpiWorld();
        World = world;
        return world;
    }

    /// <summary>
    /// How large host buffers are summed: "ring" (default, <see cref="RingAllReduce"/>) or "mpi" (MPI_Allreduce, for an MPI
    /// whose own algorithms are the faster on its network). Small buffers always go to MPI_Allreduce.
    /// </summary>
    public const string AllReduceSwitch = "VIDEOVCREG_ALLREDUCE";

    /// <summary>Whether <see cref="AllReduceSwitch"/>'s value asks for the ring; a bad value is one line.</summary>
    public static bool UsesRing(string? setting) => (setting?.Trim().ToLowerInvariant() ?? "") switch
    {
        "" or "ring" => true,
        "mpi" => false,
        var other => throw new ArgumentException($"{AllReduceSwitch} must be ring or mpi (got '{other}')"),
    };

    readonly bool ring = UsesRing(Environment.GetEnvironmentVariable(AllReduceSwitch));
    float[]? floatScratch;
    double[]? doubleScratch;

    public override void AllReduceSum(Span<double> values)
    {
        if (ring && values.Length >= RingAllReduce.Minimum) RingAllReduce.Sum(values, tDouble, Rank, Size, comm, ref doubleScratch);
        else fixed (double* p = values) Check(MpiNative.MPI_Allreduce(MpiNative.InPlace, p, values.Length, tDouble, opSum, comm), "MPI_Allreduce");
    }

    public override void AllReduceSum(Span<float> values)
    {
        if (ring && values.Length >= RingAllReduce.Minimum) RingAllReduce.Sum(values, tFloat, Rank, Size, comm, ref floatScratch);
        else fixed (float* p = values) Check(MpiNative.MPI_Allreduce(MpiNative.InPlace, p, values.Length, tFloat, opSum, comm), "MPI_Allreduce");
    }

    /// <summary>MPI_Allreduce itself, whatever the switch says (bench allreduce compares the two).</summary>
    public void MpiAllReduceSum(Span<float> values)
    {
        fixed (float* p = values) Check(MpiNative.MPI_Allreduce(MpiNative.InPlace, p, values.Length, tFloat, opSum, comm), "MPI_Allreduce");
    }

    /// <summary>The ring, whatever the switch and the size (bench allreduce, and its test at uneven chunk sizes).</summary>
    public void RingAllReduceSum(Span<float> values) => RingAllReduce.Sum(values, tFloat, Rank, Size, comm, ref floatScratch);
    public void RingAllReduceSum(Span<double> values) => RingAllReduce.Sum(values, tDouble, Rank, Size, comm, ref doubleScratch);

    protected override void AllReduceSumDevice(IntPtr data, long count, TorchSharp.torch.ScalarType type)
    {
        var t = type == TorchSharp.torch.ScalarType.Float64 ? tDouble : tFloat;
        Check(MpiNative.MPI_Allreduce(MpiNative.InPlace, (void*)data, checked((int)count), t, opSum, comm), "MPI_Allreduce");
    }

    protected override void BroadcastDevice(IntPtr data, long bytes) =>
        Check(MpiNative.MPI_Bcast((void*)data, checked((int)bytes), tByte, 0, comm), "MPI_Bcast");

    public override void Broadcast(Span<byte> data)
    {
        fixed (byte* p = data) Check(MpiNative.MPI_Bcast(p, data.Length, tByte, 0, comm), "MPI_Bcast");
    }

    public override byte[][] AllGather(ReadOnlySpan<byte> mine)
    {
        var counts = new int[Size];
        int length = mine.Length;
        fixed (int* c = counts) Check(MpiNative.MPI_Allgather(&length, 1, tInt, c, 1, tInt, comm), "MPI_Allgather");
        var offsets = new int[Size];
        for (int r = 1; r < Size; r++) offsets[r] = checked(offsets[r - 1] + counts[r - 1]);
        var all = new byte[offsets[^1] + counts[^1]];
        fixed (byte* s = mine)
        fixed (byte* a = all)
        fixed (int* c = counts)
        fixed (int* o = offsets)
            Check(MpiNative.MPI_Allgatherv(s, length, tByte, a, c, o, tByte, comm), "MPI_Allgatherv");
        return [.. Enumerable.Range(0, Size).Select(r => all.AsSpan(offsets[r], counts[r]).ToArray())];
    }

    public override void Barrier() => Check(MpiNative.MPI_Barrier(comm), "MPI_Barrier");

    public override void Abort(int code)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        MpiNative.MPI_Abort(comm, code);
    }

    /// <summary>
    /// SIGTERM to mpirun when it started this rank (a rank on mpirun's own node is its child): mpirun passes it on to every
    /// rank, rank 0 says the run's one line, and the job ends as when a user signals mpirun. A rank under srun or a remote
    /// node's orted has no such parent, and signalling those would not end the job as one: false.
    /// </summary>
    public override bool InterruptJob()
    {
        int parent = getppid();
        string name;
        try { name = File.ReadAllText($"/proc/{parent}/comm").Trim(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
        const int SigTerm = 15;
        return name is "mpirun" or "mpiexec" or "orterun" && kill(parent, SigTerm) == 0;
    }

    [System.Runtime.InteropServices.DllImport("libc.so.6")]
    static extern int getppid();

    [System.Runtime.InteropServices.DllImport("libc.so.6")]
    static extern int kill(int pid, int signal);

    public void Dispose()
    {
        if (MpiNative.MPI_Finalized(out int done) == MpiNative.Success && done == 0) MpiNative.MPI_Finalize();
    }

    // Open MPI's default error handler aborts the job on a failed call, so a return code only shows up with a custom one.
    static void Check(int code, string call)
    {
        if (code != MpiNative.Success) throw new InvalidOperationException($"{call} failed with MPI error {code}");
    }
}
