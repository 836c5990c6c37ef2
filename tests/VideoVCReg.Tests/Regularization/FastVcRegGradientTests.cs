using TorchSharp;
using VideoVCReg.Models.Regularization;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Regularization;

/// <summary>
/// The fast backward equals autograd of the naive loss, in float64, under both scalings: α·ℓ_var + β·ℓ_cov (loss) and
/// α·ℓ_var + (n−1)·β·ℓ_cov (paper). That Algorithm 1 itself is what the paper scaling computes is <see cref="Algorithm1ReferenceTests"/>'s job.
/// </summary>
public class FastVcRegGradientTests
{
    const double Tolerance = 1e-8; // relative, max-abs over the whole gradient

    // Features with mixed scales, so some stds sit below 1 (hinge active) and some above (hinge off).
    static Tensor Features(long[] shape, int seed, FeatureLayout layout = FeatureLayout.Auto)
    {
        var g = new Generator((ulong)seed);
        var x = randn(shape, float64, generator: g);
        long axis = layout == FeatureLayout.ChannelsLast || shape.Length <= 3 ? shape.Length - 1 : 1;
        var scale = linspace(0.2, 2.5, shape[axis], float64);
        var view = Enumerable.Repeat(1L, shape.Length).ToArray();
        view[axis] = shape[axis];
        return (x * scale.reshape(view) + 0.3).detach();
    }

    static (Tensor Fast, Tensor Naive) Gradients(Tensor x0, VcRegOptions o, int seed = 7)
    {
        var w = randn(x0.shape, float64, generator: new Generator((ulong)seed));
        var xf = x0.clone().requires_grad_(true);
        (VcRegFunction.apply(xf, o, null!) * w).sum().backward();
        var xn = x0.clone().requires_grad_(true);
        ((xn * w).sum() + VcRegLoss.Weighted(xn, o)).backward();
        return (xf.grad!, xn.grad!);
    }

    static void AssertClose(Tensor fast, Tensor naive, Tensor upstream)
    {
        // Compare the regularizer's own contribution too, so a tiny added term cannot hide under grad_out.
        double err = (fast - naive).abs().max().item<double>();
        double scale = (naive - upstream).abs().max().item<double>();
        Assert.True(scale > 1e-12, "the regularizer contributed no gradient: the test would prove nothing");
        Assert.True(err <= Tolerance * scale, $"max |fast − naive| = {err:E3}, regularizer gradient scale {scale:E3}");
    }

    static Tensor Upstream(Tensor x0, int seed = 7) => randn(x0.shape, float64, generator: new Generator((ulong)seed));

    public static TheoryData<long[], double, double, VcRegScaling> Cases()
    {
        var data = new TheoryData<long[], double, double, VcRegScaling>();
        foreach (var scaling in new[] { VcRegScaling.Paper, VcRegScaling.Loss })
            foreach (var (shape, alpha, beta) in Shapes) data.Add(shape, alpha, beta, scaling);
        return data;
    }

    static readonly (long[] Shape, double Alpha, double Beta)[] Shapes =
    [
        ([16, 6], 1.0, 0.0),          // 2-D, α only
        ([16, 6], 0.0, 1.0),          // 2-D, β only
        ([16, 6], 1.3, 0.7),          // 2-D, both
        ([3, 5, 8], 1.0, 0.5),        // tokens [B, N, D]
        ([2, 6, 3, 4], 0.8, 0.4),     // NCHW: d = C, n = B·H·W
        ([2, 5, 2, 3, 3], 0.6, 1.1),  // NCTHW: n = B·T·H·W
        ([5, 12], 1.0, 0.7),          // n < d: the Gram-matrix path
        ([2, 3, 16], 0.9, 1.2),       // tokens with n = 6 < d = 16
        ([4, 9], 0.0, 1.0),           // n < d, β only
        ([2, 16, 2, 2], 0.7, 0.9),    // NCHW with n = 8 < d = 16 (late CNN stage): Gram path on maps
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fast_gradient_equals_autograd_of_naive_loss(long[] shape, double alpha, double beta, VcRegScaling scaling)
    {
        var x = Features(shape, shape.Length * 31 + (int)(alpha * 10 + beta * 100));
        var (fast, naive) = Gradients(x, new VcRegOptions { Alpha = alpha, Beta = beta, Scaling = scaling });
        AssertClose(fast, naive, Upstream(x));
    }

    /// <summary>Gradients through the regularizer module, as the training loop attaches it: the fast one's backward, the naive one's loss.</summary>
    static (Tensor Fast, Tensor Naive) ModuleGradients(Tensor x0, VcRegOptions o, int seed = 7)
    {
        var w = Upstream(x0, seed);
        var xf = x0.clone().requires_grad_(true);
        (new VcReg(o, fast: true).Apply(xf) * w).sum().backward();
        var xn = x0.clone().requires_grad_(true);
        var naive = new VcReg(o, fast: false);
        var kept = naive.Apply(xn);
        ((kept * w).sum() + naive.TakeLoss()!).backward();
        return (xf.grad!, xn.grad!);
    }

    public static TheoryData<long[], int, int, VcRegScaling> GroupedCases()
    {
        var data = new TheoryData<long[], int, int, VcRegScaling>();
        foreach (var scaling in new[] { VcRegScaling.Paper, VcRegScaling.Loss })
        {
            data.Add([12, 6], 2, 1, scaling);          // rows
            data.Add([12, 6], 3, 1, scaling);          // three groups
            data.Add([12, 6], 2, 2, scaling);          // two views per sample stay in one group
            data.Add([4, 5, 8], 2, 1, scaling);        // tokens: a clip's tokens share its group
            data.Add([6, 4, 2, 2], 2, 1, scaling);     // NCHW maps
            data.Add([4, 12], 2, 1, scaling);          // n = 2 < d = 12 per group: the Gram path
        }
        return data;
    }

    /// <summary>--vcreg-groups: the naive loss groups the batch as the fast backward does, so the two agree; and grouping changes the gradient.</summary>
    [Theory]
    [MemberData(nameof(GroupedCases))]
    public void Grouped_fast_gradient_equals_autograd_of_the_grouped_naive_loss(long[] shape, int groups, int rowsPerSample, VcRegScaling scaling)
    {
        var x = Features(shape, 5 + groups + 7 * rowsPerSample + shape.Length);
        var o = new VcRegOptions { Alpha = 1.1, Beta = 0.6, Scaling = scaling, Groups = groups, RowsPerSample = rowsPerSample };
        var (fast, naive) = ModuleGradients(x, o);
        AssertClose(fast, naive, Upstream(x));
        var (whole, _) = ModuleGradients(x, o with { Groups = 1 });
        Assert.True((whole - fast).abs().max().item<double>() > 1e-6 * (whole - Upstream(x)).abs().max().item<double>(), "grouping changed nothing");
    }

    [Fact]
    public void Smooth_l1_gradient_matches_when_clamping_happens()
    {
        var x = Features([24, 5], 3);
        // Make two features strongly correlated so some |C_ij| exceed δ.
        x[.., 1] = x[.., 0] * 1.5 + 0.1 * x[.., 1];
        var o = new VcRegOptions { Alpha = 0.5, Beta = 1.0, SmoothL1Delta = 0.05 };
        var xm = x - x.mean([0], keepdim: true);
        var c = xm.t().matmul(xm) / (x.shape[0] - 1);
        var off = c * (1 - eye(5, dtype: float64));
        Assert.True((off.abs() > 0.05).any().item<bool>(), "δ must be small enough that clamping happens");
        Assert.True(((off.abs() < 0.05) & (off.abs() > 0)).any().item<bool>(), "and some entries must stay quadratic");
        var (fast, naive) = Gradients(x, o);
        AssertClose(fast, naive, Upstream(x));
    }

    [Fact]
    public void Zero_variance_feature_is_handled_exactly()
    {
        var x = Features([12, 4], 5);
        x[.., 2] = full(12, 0.7, float64);
        var (fast, naive) = Gradients(x, new VcRegOptions { Alpha = 1, Beta = 1 });
        Assert.False(fast.isnan().any().item<bool>());
        AssertClose(fast, naive, Upstream(x));
    }

    [Fact]
    public void Two_samples_are_enough()
    {
        var x = Features([2, 5], 9);
        var (fast, naive) = Gradients(x, new VcRegOptions { Alpha = 1, Beta = 0.5 });
        AssertClose(fast, naive, Upstream(x));
    }

    [Fact]
    public void Channels_last_layout_can_be_forced_on_a_4d_tensor()
    {
        var o = new VcRegOptions { Alpha = 1, Beta = 0.5, Layout = FeatureLayout.ChannelsLast };
        var x = Features([2, 3, 4, 6], 11, FeatureLayout.ChannelsLast);
        var (fast, naive) = Gradients(x, o);
        AssertClose(fast, naive, Upstream(x));
    }

    [Fact]
    public void Forward_is_the_identity_without_a_copy()
    {
        var x = randn(4, 8, requires_grad: true);
        var y = VcRegFunction.apply(x, new VcRegOptions(), null!);
        Assert.True(y.requires_grad);
        Assert.Equal(0.0, (y - x).abs().max().item<float>());
        // An alias shares storage: writing through x shows in y (a copy would not).
        // (Read through detached handles: libtorch forbids autograd use of a custom-function view after an
        // in-place change of its base, which is also why the output must not be modified in place.)
        using (no_grad()) x.detach().add_(1.0f);
        Assert.Equal(0.0, (y.detach() - x.detach()).abs().max().item<float>());
    }

    [Fact]
    public void Bfloat16_activations_get_a_float32_computed_gradient()
    {
        var x64 = Features([32, 6], 13);
        var o = new VcRegOptions { Alpha = 1, Beta = 1 };
        var xb = x64.to_type(bfloat16).requires_grad_(true);
        VcRegFunction.apply(xb, o, null!).sum().backward();
        Assert.Equal(bfloat16, xb.grad!.dtype);
        // Reference: the exact gradient of the bf16 values, computed in float64.
        var xr = xb.detach().to_type(float64).requires_grad_(true);
        (xr.sum() + VcRegLoss.Weighted(xr, o)).backward();
        var err = (xb.grad!.to_type(float64) - xr.grad!).abs().max().item<double>();
        var scale = xr.grad!.abs().max().item<double>();
        Assert.True(err <= 1e-2 * scale, $"bf16 gradient off by {err:E3} (scale {scale:E3})");
    }

    [Theory]
    [InlineData(6)]     // n = 24 ≥ d = 6: the d×d path
    [InlineData(40)]    // n = 24 < d = 40: the Gram path
    public void Channels_last_maps_keep_the_upstream_layout_and_leave_it_untouched(int channels)
    {
        // NCHW shape with NHWC strides, as gradients behind ConvNeXt's permutes and many convolutions arrive.
        var x0 = Features([2, 3, 4, channels], 13, FeatureLayout.ChannelsLast).permute(0, 3, 1, 2);
        var upstream = randn([2, 3, 4, channels], float64, generator: new Generator(14)).permute(0, 3, 1, 2);
        var before = upstream.clone();
        var o = new VcRegOptions { Alpha = 1.1, Beta = 0.6 };
        var xf = x0.detach().requires_grad_(true);
        var fast = torch.autograd.grad([VcRegFunction.apply(xf, o, null!)], [xf], [upstream])[0];
        var xn = x0.detach().requires_grad_(true);
        ((xn * upstream).sum() + VcRegLoss.Weighted(xn, o)).backward();
        AssertClose(fast, xn.grad!, upstream);
        Assert.Equal(upstream.stride(), fast.stride());
        Assert.True(upstream.equal(before).all().item<bool>(), "the incoming gradient was modified in place");
    }
}
