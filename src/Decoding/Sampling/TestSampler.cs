namespace VideoVCReg.Decoding.Sampling;

/// <summary>
/// VideoMAE's test views (kinetics.py, test mode): the video's every <see cref="SamplingRate"/>-th frame
/// (padded with the last one to <see cref="ClipLength"/>), cut into <see cref="Clips"/> temporal clips evenly
/// spaced over it, times <see cref="Crops"/> square crops evenly spaced along the longer side. View
/// <c>v</c> is clip <c>v / Crops</c>, crop <c>v % Crops</c>. A single clip or crop is the centred one
/// (VideoMAE divides by Clips − 1 there).
/// </summary>
public sealed record TestSampler(int ClipLength = 16, int SamplingRate = 4, int Clips = 10, int Crops = 3)
{
    /// <summary>The paper's 10 × 3 evaluation.</summary>
    public static TestSampler Paper(int clipLength = 16, int samplingRate = 4) => new(clipLength, samplingRate, 10, 3);
    /// <summary>The 5 × 3 of VideoMAE's fine-tuning scripts.</summary>
    public static TestSampler VideoMae(int clipLength = 16, int samplingRate = 4) => new(clipLength, samplingRate, 5, 3);
    /// <summary>One centred clip, one centred crop: the single-view test transform.</summary>
    public static TestSampler Centre(int clipLength = 16, int samplingRate = 4) => new(clipLength, samplingRate, 1, 1);

    public int Views => Clips * Crops;

    public long[] ClipFrames(int frames, int clip)
    {
        if (frames <= 0) throw new ArgumentException($"cannot sample a clip from a video of {frames} frames");
        if (clip < 0 || clip >= Clips) throw new ArgumentOutOfRangeException(nameof(clip), $"clip {clip} of {Clips}");
        int strided = (frames + SamplingRate - 1) / SamplingRate;
        int start = Offset(Math.Max(strided, ClipLength) - ClipLength, clip, Clips);
        var index = new long[ClipLength];
        for (int i = 0; i < ClipLength; i++) index[i] = (long)Math.Min(start + i, strided - 1) * SamplingRate;
        return index;
    }

    /// <summary>Start of item <paramref name="i"/> of <paramref name="count"/> spread over <paramref name="room"/> positions, truncated as VideoMAE's int().</summary>
    public static int Offset(int room, int i, int count) =>
        room <= 0 ? 0 : count == 1 ? room / 2 : (int)(i * ((double)room / (count - 1)));
}
