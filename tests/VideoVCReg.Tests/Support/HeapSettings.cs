using System.Runtime.CompilerServices;

namespace VideoVCReg.Tests.Support;

/// <summary>The test host allocates tensors as the CLI does: the same malloc settings, before the first test.</summary>
static class HeapSettings
{
    [ModuleInitializer]
    internal static void Apply() => VideoVCReg.Runtime.NativeHeap.Configure();
}
