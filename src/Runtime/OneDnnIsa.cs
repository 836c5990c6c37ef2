using System.Runtime.InteropServices;

namespace VideoVCReg.Runtime;

/// <summary>
/// The instruction set libtorch's oneDNN (CPU convolutions, bfloat16 products) may use. Measured on this project's
/// machines (AMD EPYC, AVX-512 with avx512_bf16), libtorch 2.10's AVX-512 kernels give wrong results for some shapes:
/// bfloat16 conv2d 3→40 4×4 stride 4 on 32×32 maps (ConvNeXt-Atto's stem) 47 % off, float32 conv2d 40→40 3×3 on 8×8 maps
/// NaN (Debian's PyTorch 1.13 computes both right). Capped at AVX2 they are right. Every float32 convolution of this
/// project's models is right at full width (a test compares each network with its float64 forward), and the cap costs
/// a float32 ResNet-50 step 29 % (one run), so it is applied for autocast only: `--amp` (from any configuration layer) and `bench amp`. A value the user set is left alone.
/// oneDNN reads the variable once, at its first primitive, so this runs before any tensor exists.
/// </summary>
public static class OneDnnIsa
{
    public const string Variable = "ONEDNN_MAX_CPU_ISA";

    [DllImport("libc", EntryPoint = "setenv")]
    static extern int SetEnv(string name, string value, int overwrite);

    /// <summary>Caps oneDNN at AVX2 for a process that will run autocast (--amp, `bench amp`); true when it did.</summary>
    public static bool CapForAutocast(bool autocast)
    {
        if (!OperatingSystem.IsLinux() || !autocast || Environment.GetEnvironmentVariable(Variable) is { Length: > 0 }) return false;
        try
        {
            // Overwrite: an empty value, which the check above treats as unset, must not stay what oneDNN reads.
            if (SetEnv(Variable, "AVX2", 1) != 0) return false;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { return false; }
        Environment.SetEnvironmentVariable(Variable, "AVX2"); // .NET keeps its own copy of the environment
        return true;
    }
}
