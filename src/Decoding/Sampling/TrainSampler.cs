namespace VideoVCReg.Decoding.Sampling;

/// <summary>
/// VideoMAE's training sampler (kinetics.py, <c>loadvideo_decord</c> in train mode): a random window of
/// <see cref="ClipLength"/> × <see cref="SamplingRate"/> frames, <see cref="ClipLength"/> frames evenly
/// taken from it. A video no longer than the window gives every <see cref="SamplingRate"/>-th frame,
/// then repeats the last frame up to the clip length.
/// </summary>
public sealed record TrainSampler(int ClipLength = 16, int SamplingRate = 4)
{
    public int Window => ClipLength * SamplingRate;

    public long[] Sample(int frames, Random rng)
    {
        if (frames <= 0) throw new ArgumentException($"cannot sample a clip from a video of {frames} frames");
        var index = new long[ClipLength];
        if (frames <= Window)
        {
            // np.linspace(0, frames, frames // rate), padded with `frames`, then clipped to the last frame.
            int n = Math.Min(frames / SamplingRate, ClipLength);
            for (int i = 0; i < ClipLength; i++)
                index[i] = i < n ? (long)Linspace(0, frames, n, i) : frames;
            for (int i = 0; i < ClipLength; i++) index[i] = Math.Min(index[i], frames - 1);
            return index;
        }
        // end in [window, frames), as np.random.randint(window, frames); the window ends just before it.
        int end = rng.Next(Window, frames), start = end - Window;
        for (int i = 0; i < ClipLength; i++)
            index[i] = Math.Clamp((long)Linspace(start, end, ClipLength, i), start, end - 1);
        return index;
    }

    internal static double Linspace(double a, double b, int n, int i) => n == 1 ? a : a + (b - a) * i / (n - 1);
}
