using static TorchSharp.torch;

namespace VideoVCReg.Runtime;

/// <summary>
/// Mixed precision (`--amp`) as torch.autocast does it, for the models of this project: TorchSharp 0.107 has no
/// autocast, so the layers that autocast runs in low precision (linear, convolution, and through their outputs the
/// attention kernel) cast their input and weights here, while parameters, their gradients, the optimizer and the
/// checkpoints stay float32. The casts are recorded by autograd, so each float32 parameter receives a float32 gradient
/// of the low-precision computation, as under autocast. Norm layers promote to float32 (autocast's float32 list), and
/// so does every sum with the float32 residual stream. The scope is per thread: the training thread's forward only.
/// </summary>
public static class Autocast
{
    [ThreadStatic] static ScalarType? compute;

    /// <summary>The low-precision type of the forward running on this thread, or null outside a scope.</summary>
    public static ScalarType? Compute => compute;

    /// <summary>
    /// Runs the forwards on this thread in <paramref name="type"/> (bfloat16 or float16) until disposed; null leaves
    /// them as they are, so callers can write <c>using (Autocast.Enter(amp ? BFloat16 : null))</c>.
    /// </summary>
    public static IDisposable Enter(ScalarType? type)
    {
        if (type is not null && type != ScalarType.BFloat16 && type != ScalarType.Float16)
            throw new ArgumentException($"autocast runs in bfloat16 or float16, not {type}");
        var previous = compute;
        compute = type;
        return new Restore(previous);
    }

    sealed class Restore(ScalarType? previous) : IDisposable
    {
        bool done;
        public void Dispose()
        {
            if (done) return;
            done = true;
            compute = previous;
        }
    }

    /// <summary>A matmul operand in the scope's type (float32 and float64 tensors are cast; others, and everything outside a scope, pass).</summary>
    public static Tensor Low(Tensor t) =>
        compute is ScalarType c && t.dtype != c && (t.dtype == ScalarType.Float32 || t.dtype == ScalarType.Float64) ? t.to_type(c) : t;

    /// <summary><see cref="Low(Tensor)"/> for an optional bias.</summary>
    public static Tensor? LowOrNull(Tensor? t) => t is null ? null : Low(t);

    /// <summary>A low-precision tensor back in float32 (norms, losses); float32 and float64 pass.</summary>
    public static Tensor Full(Tensor t) =>
        t.dtype == ScalarType.BFloat16 || t.dtype == ScalarType.Float16 ? t.to_type(ScalarType.Float32) : t;
}
