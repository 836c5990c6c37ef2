using TorchSharp;
using VideoVCReg.Models.Regularization;
using VideoVCReg.Tests.Support;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Regularization;

/// <summary>
/// The fast VCReg under --vcreg-scaling paper against the paper's Algorithm 1 itself, transcribed into PyTorch
/// (fixtures/regularization/algorithm1.py, run by Debian's torch) on the same inputs, in float64. Autograd of our own
/// loss cannot show this: it proves the code equals its formula, not that the formula is the paper's.
/// </summary>
public class Algorithm1ReferenceTests
{
    const double Tolerance = 1e-6; // relative to the largest entry of the added gradient

    static string Script => Path.Combine(AppContext.BaseDirectory, "fixtures", "regularization", "algorithm1.py");

    /// <summary>Layouts: rows (features last), channels-first maps, and channels-first maps stored channels-last (ConvNeXt's blocks).</summary>
    public static TheoryData<long[], string, double, double> Cases() => new()
    {
        { [16, 384], "rows", 1.0, 0.1 },                   // the VideoMAE-S head at batch 16 (n < d: the Gram path)
        { [16, 768], "rows", 5.0, 0.5 },                   // a ViT-B head, the HMDB51 grid's largest point
        { [4, 50, 64], "rows", 1.28, 0.16 },               // tokens [B, N, D]
        { [2, 3, 16], "rows", 0.64, 0.16 },                // tokens with n = 6 < d = 16
        { [8192, 16], "rows", 0.64, 0.04 },                // a block's samples as rows
        { [8, 16, 32, 32], "channels-first", 0.64, 0.04 }, // ResNet-32's first stage at batch 8: n = 8,192, d = 16
        { [8, 16, 32, 32], "channels-last", 0.32, 0.08 },  // the same map stored channels-last
        { [2, 8, 2, 4, 4], "channels-first", 0.16, 0.02 }, // a video map [B, C, T, H, W]
        { [2, 64, 2, 2], "channels-first", 0.64, 0.16 },   // a late stage: n = 8 < d = 64
        { [64, 24], "rows", 0.0, 0.16 },                   // the covariance term alone
    };

    /// <summary>Features with mixed scales, so the variance hinge is active for some and off for others, and a mean to remove.</summary>
    internal static Tensor Features(long[] shape, string layout, int seed)
    {
        var g = new Generator((ulong)seed);
        long d = layout == "rows" ? shape[^1] : shape[1];
        // Channels-last storage: build [B, ..., C] and move C to axis 1 as a view, as ConvNeXt's permutes leave it.
        long[] stored = layout == "channels-last" ? [shape[0], .. shape[2..], shape[1]] : shape;
        var x = randn(stored, float64, generator: g);
        long axis = layout == "channels-first" ? 1 : stored.Length - 1;
        var view = Enumerable.Repeat(1L, stored.Length).ToArray();
        view[axis] = d;
        x = x * linspace(0.2, 2.5, d, float64).reshape(view) + 0.3;
        return layout == "channels-last" ? x.movedim([-1], [1]) : x;
    }

    internal static Tensor FastGradient(Tensor x, Tensor upstream, VcRegOptions o)
    {
        var xf = x.detach().requires_grad_(true);
        return torch.autograd.grad([VcRegFunction.apply(xf, o, null!)], [xf], [upstream])[0];
    }

    static Tensor Reference(Tensor x, Tensor upstream, string layout, double alpha, double beta, double eps)
    {
        var dir = Directory.CreateTempSubdirectory("algorithm1-").FullName;
        try
        {
            string input = Path.Combine(dir, "x.f64"), grad = Path.Combine(dir, "g.f64"), output = Path.Combine(dir, "out.f64");
            File.WriteAllBytes(input, x.contiguous().bytes.ToArray());
            File.WriteAllBytes(grad, upstream.contiguous().bytes.ToArray());
            var inv = System.Globalization.CultureInfo.InvariantCulture;
            PythonScript.Run(Script, input, grad, output, string.Join(",", x.shape), layout == "rows" ? "rows" : "channels-first",
                alpha.ToString("R", inv), beta.ToString("R", inv), eps.ToString("R", inv));
            var result = empty(x.shape, float64);
            result.bytes = File.ReadAllBytes(output);
            return result;
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Paper_scaling_equals_algorithm_1_transcribed_into_pytorch(long[] shape, string layout, double alpha, double beta)
    {
        var x = Features(shape, layout, seed: shape.Aggregate(17, (h, s) => h * 31 + (int)s));
        var upstream = randn(x.shape, float64, generator: new Generator(5));
        var o = new VcRegOptions { Alpha = alpha, Beta = beta, Epsilon = 1e-4, Scaling = VcRegScaling.Paper };
        var fast = FastGradient(x, upstream, o);
        var reference = Reference(x, upstream, layout, alpha, beta, o.Epsilon);

        double added = (reference - upstream).abs().max().item<double>();
        double err = (fast - reference).abs().max().item<double>();
        Assert.True(added > 1e-6, "Algorithm 1 added no gradient: the comparison would prove nothing");
        Assert.True(err <= Tolerance * added, $"max |fast − Algorithm 1| = {err:E3}, added gradient {added:E3}");

        // The covariance term must weigh in the comparison, or a wrong β scaling could pass unseen.
        var varianceOnly = FastGradient(x, upstream, o with { Beta = 0 });
        double covariancePart = (reference - varianceOnly).abs().max().item<double>();
        Assert.True(covariancePart > 1e3 * Tolerance * added, $"the covariance term ({covariancePart:E3}) is too small against the added gradient ({added:E3}) to test its scaling");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_two_scalings_covariance_parts_differ_by_n_minus_one_at_every_site(long[] shape, string layout, double alpha, double beta)
    {
        _ = alpha;
        var x = Features(shape, layout, seed: 3);
        // A zero upstream gradient leaves the added terms alone: subtracting a random one would cost (n−1)× its rounding.
        var upstream = zeros(x.shape, float64);
        long n = x.numel() / (layout == "rows" ? x.shape[^1] : x.shape[1]);
        var o = new VcRegOptions { Alpha = 0, Beta = Math.Max(beta, 0.01) };
        var paper = FastGradient(x, upstream, o with { Scaling = VcRegScaling.Paper }) - upstream;
        var loss = FastGradient(x, upstream, o with { Scaling = VcRegScaling.Loss }) - upstream;
        double scale = paper.abs().max().item<double>();
        Assert.True(scale > 1e-9, "no covariance gradient");
        double err = (paper - loss * (n - 1)).abs().max().item<double>();
        Assert.True(err <= 1e-10 * scale, $"paper − (n−1)·loss = {err:E3} at n = {n} (paper part {scale:E3})");
    }

    [Fact]
    public void The_variance_term_is_the_same_under_both_scalings()
    {
        var x = Features([32, 12], "rows", seed: 4);
        var upstream = randn(x.shape, float64, generator: new Generator(7));
        var o = new VcRegOptions { Alpha = 1.28, Beta = 0 };
        var paper = FastGradient(x, upstream, o with { Scaling = VcRegScaling.Paper });
        var loss = FastGradient(x, upstream, o with { Scaling = VcRegScaling.Loss });
        Assert.True((paper - upstream).abs().max().item<double>() > 1e-6, "the variance hinge added nothing");
        Assert.Equal(0.0, (paper - loss).abs().max().item<double>());
    }
}

/// <summary>A run that diverges under Algorithm 1's scaling at an intermediate placement says so in its one line.</summary>
public class DivergenceHintTests
{
    [Fact]
    public void Paper_scaling_at_blocks_names_itself_and_the_way_out_and_nothing_else_does()
    {
        var paper = new VcReg(new VcRegOptions { Scaling = VcRegScaling.Paper });
        Assert.Contains("--vcreg-scaling paper (Algorithm 1) adds a covariance gradient n−1 times eq. 3's", paper.DivergenceHint(Placement.Blocks));
        Assert.Contains("try --vcreg-scaling loss", paper.DivergenceHint(Placement.Downsample));
        Assert.Null(paper.DivergenceHint(Placement.Head));   // at the head n is the batch: no such imbalance
        Assert.Null(new VcReg(new VcRegOptions { Scaling = VcRegScaling.Loss }).DivergenceHint(Placement.Blocks));
        var e = new VideoVCReg.FineTune.NonFiniteLossException(0, 3, double.NaN, null, "gradient norm is NaN", paper.DivergenceHint(Placement.Blocks));
        Assert.StartsWith("gradient norm is NaN at epoch 1, step 4: training stopped; no checkpoint had been written yet; VCReg at blocks under", e.Message);
    }
}
