using VideoVCReg.Decoding.Sampling;

namespace VideoVCReg.Tests.Decoding;

public class SamplerTests
{
    [Fact]
    public void Train_sampler_takes_clip_len_frames_evenly_from_a_random_window_of_clip_len_times_rate()
    {
        var s = new TrainSampler(16, 4);
        var starts = new HashSet<long>();
        for (int seed = 0; seed < 50; seed++)
        {
            var idx = s.Sample(300, new Random(seed));
            Assert.Equal(idx, s.Sample(300, new Random(seed)));
            long start = idx[0];
            Assert.InRange(start, 0, 300 - 64);
            // np.linspace(start, start + 64, 16), truncated, the endpoint clipped into the window.
            for (int i = 0; i < 15; i++) Assert.Equal((long)(start + 64.0 * i / 15), idx[i]);
            Assert.Equal(start + 63, idx[15]);
            starts.Add(start);
        }
        Assert.True(starts.Count > 20, $"only {starts.Count} distinct windows in 50 draws");
    }

    [Fact]
    public void Train_sampler_pads_a_short_video_by_repeating_its_last_frame()
    {
        var idx = new TrainSampler(16, 4).Sample(30, new Random(1));
        int n = 30 / 4; // frames the short video gives at rate 4
        for (int i = 0; i < n - 1; i++) Assert.Equal((long)(30.0 * i / (n - 1)), idx[i]);
        Assert.All(idx[(n - 1)..], k => Assert.Equal(29, k));
    }

    [Fact]
    public void Test_sampler_spreads_clips_evenly_and_the_presets_have_10x3_and_5x3_views()
    {
        Assert.Equal(30, TestSampler.Paper().Views);
        Assert.Equal(15, TestSampler.VideoMae().Views);
        var s = TestSampler.Paper(16, 4);
        int strided = 300 / 4, room = strided - 16;
        for (int c = 0; c < 10; c++)
        {
            var idx = s.ClipFrames(300, c);
            long start = (long)(c * (room / 9.0)) * 4;
            Assert.Equal(Enumerable.Range(0, 16).Select(i => start + 4L * i), idx);
        }
        Assert.Equal(0, s.ClipFrames(300, 0)[0]);
        Assert.Equal(296, s.ClipFrames(300, 9)[^1]);   // the last clip ends on the last strided frame
        // Shorter than a clip: every view is the whole video, padded with its last strided frame.
        var shortClip = s.ClipFrames(20, 7);
        Assert.Equal(new long[] { 0, 4, 8, 12, 16 }, shortClip[..5]);
        Assert.All(shortClip[5..], k => Assert.Equal(16, k));
    }
}
