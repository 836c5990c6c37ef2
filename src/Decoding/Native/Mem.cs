using System.Runtime.CompilerServices;

namespace VideoVCReg.Decoding.Native;

/// <summary>Reads a field of a native struct at an offset from <see cref="Layout"/>.</summary>
internal static unsafe class Mem
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int I32(IntPtr p, int offset) => *(int*)((byte*)p + offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static long I64(IntPtr p, int offset) => *(long*)((byte*)p + offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void SetI64(IntPtr p, int offset, long value) => *(long*)((byte*)p + offset) = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static IntPtr Ptr(IntPtr p, int offset) => *(IntPtr*)((byte*)p + offset);

    /// <summary>An AVRational {num, den} as a double; 0 when undefined.</summary>
    internal static double Rational(IntPtr p, int offset)
    {
        int num = I32(p, offset), den = I32(p, offset + 4);
        return den == 0 ? 0 : (double)num / den;
    }
}
