namespace VideoVCReg.Runtime.Data;

/// <summary>Derives per-item seeds. Not HashCode.Combine: that is randomised per process, and a dataset must be reproducible.</summary>
public static class Seeds
{
    public static int Mix(params int[] parts)
    {
        ulong h = 0x9E3779B97F4A7C15;
        foreach (var p in parts)
        {
            // splitmix64 finaliser over each part
            h ^= (ulong)(uint)p + 0x9E3779B97F4A7C15 + (h << 6) + (h >> 2);
            h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9;
            h = (h ^ (h >> 27)) * 0x94D049BB133111EB;
            h ^= h >> 31;
        }
        return (int)(h & int.MaxValue);
    }

    /// <summary>A stable 31-bit hash of a string (FNV-1a), for seeds derived from video ids.</summary>
    public static int Of(string s)
    {
        uint h = 2166136261;
        foreach (char c in s) h = (h ^ c) * 16777619;
        return (int)(h & int.MaxValue);
    }
}
