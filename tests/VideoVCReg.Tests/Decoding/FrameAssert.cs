namespace VideoVCReg.Tests.Decoding;

static class FrameAssert
{
    /// <summary>Largest per-channel difference between two RGB24 frames.</summary>
    public static int MaxDifference(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        Assert.Equal(a.Length, b.Length);
        int max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }

    /// <summary>At most one level of difference per channel: rounding may differ, the frame may not.</summary>
    public static void SameFrame(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual, string what)
    {
        int diff = MaxDifference(expected, actual);
        Assert.True(diff <= 1, $"{what}: differs from the ffmpeg CLI by up to {diff} levels");
    }
}
