namespace VideoVCReg.Runtime.Distributed;

/// <summary>
/// A managed exception escaping into libtorch's autograd engine ends the process, so the collectives that run inside a
/// backward (<see cref="SyncBatchNormFunction"/>, <see cref="GatherRows"/>) record theirs here and hand back a harmless
/// gradient; the loop rethrows after the backward (<see cref="ThrowIfAny"/>).
/// </summary>
public static class BackwardFailure
{
    static Exception? first;

    internal static void Record(Exception e) => Interlocked.CompareExchange(ref first, e, null);

    /// <summary>Rethrows the first exception raised inside a backward since the last call, if any.</summary>
    public static void ThrowIfAny()
    {
        if (Interlocked.Exchange(ref first, null) is Exception e)
            throw new InvalidOperationException($"the backward failed: {e.Message}", e);
    }
}
