using VideoVCReg.Cli;

// Before any tensor exists: how glibc recycles libtorch's large blocks (see NativeHeap).
VideoVCReg.Models.Runtime.NativeHeap.Configure();
return await CliApp.RunAsync(args);
