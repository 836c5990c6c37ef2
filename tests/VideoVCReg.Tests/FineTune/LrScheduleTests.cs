using VideoVCReg.FineTune;

namespace VideoVCReg.Tests.FineTune;

public class LrScheduleTests
{
    [Fact]
    public void Warm_up_is_linear_to_the_peak_then_cosine_falls_to_the_minimum()
    {
        const double peak = 1e-3, min = 1e-6, start = 1e-7;
        const int total = 100, warmup = 10;
        var s = new LrSchedule(peak, min, total, warmup, start);
        Assert.Equal(start, s.At(0), 15);
        Assert.Equal(peak, s.At(warmup - 1), 15);                       // numpy linspace includes its end
        Assert.Equal(start + (peak - start) * 4 / 9, s.At(4), 15);
        Assert.Equal(peak, s.At(warmup), 15);                           // the cosine starts at the peak
        // Half-way through the cosine part the rate is the mid-point of peak and min.
        Assert.Equal((peak + min) / 2, s.At(warmup + (total - warmup) / 2), 12);
        for (int i = warmup; i < total - 1; i++) Assert.True(s.At(i + 1) < s.At(i), $"not decreasing at step {i}");
        Assert.True(s.At(total - 1) - min < 1e-3 * peak);
        Assert.Equal(min, s.At(total + 5), 15);
    }
}
