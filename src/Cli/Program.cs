using VideoVCReg.Cli;

// One culture for every number written (settings, reports, CSV, data descriptions): a run resumed under another locale is the same run.
System.Globalization.CultureInfo.DefaultThreadCurrentCulture = System.Globalization.CultureInfo.InvariantCulture;
System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.InvariantCulture;

// Before any tensor exists: how glibc recycles libtorch's large blocks (see NativeHeap).
VideoVCReg.Runtime.NativeHeap.Configure();
// Before oneDNN's first primitive: its AVX-512 bfloat16 convolutions are wrong for some shapes (see OneDnnIsa).
VideoVCReg.Runtime.OneDnnIsa.CapForAutocast(VideoVCReg.Cli.Hosting.AppHost.WantsAutocast(args));
// One rank of a data-parallel run when started by mpirun or srun: MPI is initialised before anything else.
VideoVCReg.Runtime.Distributed.ProcessGroup world;
try { world = VideoVCReg.Runtime.Distributed.Mpi.MpiWorld.Join(); }
catch (Exception e) when (e is InvalidOperationException or ArgumentException or DllNotFoundException)
{
    Console.Error.WriteLine($"videovcreg: {e.Message}");
    return 1;
}
try
{
    return await CliApp.RunAsync(args);
}
finally
{
    (world as IDisposable)?.Dispose();
}
