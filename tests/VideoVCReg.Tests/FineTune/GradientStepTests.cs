using VideoVCReg.FineTune;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.FineTune;

/// <summary>What happens to the gradients at an optimizer step: their norm, float16's unscaling, the weight average's schedule.</summary>
public class GradientStepTests
{
    static TorchSharp.Modules.Parameter WithGradient(float[] value, float[] grad)
    {
        var p = nn.Parameter(tensor(value));
        (p * tensor(grad)).sum().backward();
        return p;
    }

    [Fact]
    public void The_gradient_norm_is_over_all_parameters_together()
    {
        Assert.Equal(13.0, GradientNorm.Of([WithGradient([0, 0], [3, 4]), WithGradient([0], [12])]), 6);
        Assert.Equal(0.0, GradientNorm.Of([nn.Parameter(tensor(new float[] { 1 }))]));
    }

    [Fact]
    public void Finite_gradients_are_divided_by_the_scale_and_an_overflow_leaves_them_and_halves_it()
    {
        var s = new LossScaler(initialScale: 8);
        var p = WithGradient([1, 2], [8, 16]);
        Assert.True(s.Unscale([p]));
        Assert.Equal([1f, 2f], p.grad!.data<float>().ToArray());
        Assert.Equal((8.0, 1), (s.Scale, s.GrowthTracker));

        var q = WithGradient([1, 2], [float.PositiveInfinity, 16]);
        Assert.False(s.Unscale([q]));
        Assert.Equal([float.PositiveInfinity, 16f], q.grad!.data<float>().ToArray());
        Assert.Equal((4.0, 0), (s.Scale, s.GrowthTracker));
    }

    [Fact]
    public void The_average_updates_at_the_first_step_and_every_nth_after_and_restarts_in_the_warm_up()
    {
        using var model = nn.Linear(2, 1);
        using var ema = new WeightAverage(model, 0.5);
        ema.AfterStep(1, every: 2, warmingUp: false);
        Assert.Equal(1, ema.Count);
        ema.AfterStep(2, every: 2, warmingUp: false);
        Assert.Equal(1, ema.Count);
        ema.AfterStep(3, every: 2, warmingUp: false);
        Assert.Equal(2, ema.Count);
        ema.AfterStep(5, every: 2, warmingUp: true);
        Assert.Equal(0, ema.Count);                     // updated, then restarted: the next update copies the weights
    }
}
