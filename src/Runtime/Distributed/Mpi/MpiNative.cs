using System.Runtime.InteropServices;

namespace VideoVCReg.Runtime.Distributed.Mpi;

/// <summary>
/// The few MPI functions the data-parallel loop calls, bound to Open MPI 4.x (libmpi.so.40). Open MPI's handles
/// (MPI_COMM_WORLD, MPI_DOUBLE, MPI_SUM, …) are the addresses of global objects, not integers as in MPICH or
/// MS-MPI (which MPI.NET 1.4.0 hard-codes), so they are looked up by symbol; <see cref="Symbols"/> lists the symbol
/// behind each handle, and a test compares it with what mpi.h's macros expand to.
/// </summary>
static unsafe class MpiNative
{
    public const string Library = "libmpi.so.40";
    public const int Success = 0;
    public const int ThreadSerialized = 2;              // MPI_THREAD_SERIALIZED
    public static readonly IntPtr InPlace = 1;          // MPI_IN_PLACE is ((void *) 1)
    public static readonly IntPtr StatusIgnore = 0;     // MPI_STATUS_IGNORE is ((MPI_Status *) 0)

    /// <summary>Handle → the global symbol whose address it is.</summary>
    public static readonly IReadOnlyDictionary<string, string> Symbols = new Dictionary<string, string>
    {
        ["MPI_COMM_WORLD"] = "ompi_mpi_comm_world",
        ["MPI_DOUBLE"] = "ompi_mpi_double",
        ["MPI_FLOAT"] = "ompi_mpi_float",
        ["MPI_INT"] = "ompi_mpi_int",
        ["MPI_BYTE"] = "ompi_mpi_byte",
        ["MPI_SUM"] = "ompi_mpi_op_sum",
    };

    static IntPtr library;

    /// <summary>
    /// Loads libmpi with its symbols global: Open MPI's components (dlopen'ed plugins) resolve MPI symbols
    /// against it, and fail to load when it came in with RTLD_LOCAL, as NativeLibrary.Load does.
    /// </summary>
    public static void Load()
    {
        if (library != IntPtr.Zero) return;
        const int RtldNow = 2, RtldGlobal = 0x100;
        library = dlopen(Library, RtldNow | RtldGlobal);
        if (library == IntPtr.Zero)
            throw new DllNotFoundException($"{Library}: cannot be loaded ({Marshal.PtrToStringUTF8(dlerror())}); install openmpi-bin (Debian: apt-get install openmpi-bin)");
    }

    public static IntPtr Handle(string name) => NativeLibrary.GetExport(library, Symbols[name]);

    /// <summary>
    /// Open MPI's MPIX_Query_cuda_support() (mpi-ext.h): 1 when this library can take CUDA device buffers at run time.
    /// False where the extension is absent (other MPIs, builds without it).
    /// </summary>
    public static bool CudaSupport() =>
        NativeLibrary.TryGetExport(library, "MPIX_Query_cuda_support", out var f) && ((delegate* unmanaged<int>)f)() == 1;

    // libdl.so.2: where glibc before 2.34 keeps them (later versions keep a forwarding stub of that name).
    [DllImport("libdl.so.2", EntryPoint = "dlopen")] static extern IntPtr dlopen(string file, int mode);
    [DllImport("libdl.so.2", EntryPoint = "dlerror")] static extern IntPtr dlerror();

    [DllImport(Library)] public static extern int MPI_Initialized(out int flag);
    [DllImport(Library)] public static extern int MPI_Finalized(out int flag);
    [DllImport(Library)] public static extern int MPI_Init_thread(IntPtr argc, IntPtr argv, int required, out int provided);
    [DllImport(Library)] public static extern int MPI_Finalize();
    [DllImport(Library)] public static extern int MPI_Comm_rank(IntPtr comm, out int rank);
    [DllImport(Library)] public static extern int MPI_Comm_size(IntPtr comm, out int size);
    [DllImport(Library)] public static extern int MPI_Allreduce(IntPtr send, void* receive, int count, IntPtr type, IntPtr op, IntPtr comm);
    [DllImport(Library)] public static extern int MPI_Sendrecv(void* send, int sendCount, IntPtr sendType, int destination, int sendTag,
        void* receive, int receiveCount, IntPtr receiveType, int source, int receiveTag, IntPtr comm, IntPtr status);
    [DllImport(Library)] public static extern int MPI_Bcast(void* buffer, int count, IntPtr type, int root, IntPtr comm);
    [DllImport(Library)] public static extern int MPI_Allgather(void* send, int sendCount, IntPtr sendType, void* receive, int receiveCount, IntPtr receiveType, IntPtr comm);
    [DllImport(Library)] public static extern int MPI_Allgatherv(void* send, int sendCount, IntPtr sendType, void* receive, int* receiveCounts, int* displacements, IntPtr receiveType, IntPtr comm);
    [DllImport(Library)] public static extern int MPI_Barrier(IntPtr comm);
    [DllImport(Library)] public static extern int MPI_Abort(IntPtr comm, int code);
}
