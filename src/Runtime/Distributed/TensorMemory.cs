using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace VideoVCReg.Runtime.Distributed;

/// <summary>
/// The address of a tensor's first element on its own device: TorchSharp exposes CPU memory as spans only, so a CUDA
/// tensor's device pointer (for a CUDA-aware MPI) comes from the native function TorchSharp's own accessors use.
/// </summary>
static class TensorMemory
{
    [DllImport("LibTorchSharp")] static extern IntPtr THSTensor_data(IntPtr handle);

    public static IntPtr Address(Tensor t) => THSTensor_data(t.Handle);
}
