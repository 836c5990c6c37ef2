using TorchSharp;
using VideoVCReg.Models.Regularization;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Regularization;

public class RegularizerTermsTests
{
    static double[,] Sample() => new double[,] { { 1, 2, 0 }, { 3, -1, 1 }, { 0, 0, 2 }, { 2, 1, -1 } };

    static (double[,] C, int n, int d) Covariance(double[,] x, bool unbiased)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        var mean = new double[d];
        for (int j = 0; j < d; j++) { for (int i = 0; i < n; i++) mean[j] += x[i, j]; mean[j] /= n; }
        var c = new double[d, d];
        for (int a = 0; a < d; a++) for (int b = 0; b < d; b++)
        {
            for (int i = 0; i < n; i++) c[a, b] += (x[i, a] - mean[a]) * (x[i, b] - mean[b]);
            c[a, b] /= unbiased ? n - 1 : n;
        }
        return (c, n, d);
    }

    [Fact]
    public void Vcreg_terms_match_the_paper_formulas()
    {
        var x = Sample();
        var (c, _, d) = Covariance(x, unbiased: true);
        double eps = 1e-4, lvar = 0, lcov = 0;
        for (int i = 0; i < d; i++) lvar += Math.Max(0, 1 - Math.Sqrt(c[i, i] + eps));
        lvar /= d;
        for (int i = 0; i < d; i++) for (int j = 0; j < d; j++) if (i != j) lcov += c[i, j] * c[i, j];
        lcov /= d * (d - 1);

        var (v, cv) = VcRegLoss.Terms(tensor(x, float64), new VcRegOptions { Epsilon = eps });
        Assert.Equal(lvar, v.item<double>(), 12);
        Assert.Equal(lcov, cv.item<double>(), 12);
    }

    [Fact]
    public void Fast_variant_reports_the_same_terms_as_the_naive_one_when_logging()
    {
        var x = tensor(Sample(), float64);
        var o = new VcRegOptions { Alpha = 1, Beta = 1 };
        var reg = new VcReg(o, fast: true, logStats: true);
        var xf = x.clone().requires_grad_(true);
        reg.Apply(xf).sum().backward();
        var stats = reg.TakeStats();
        var (v, c) = VcRegLoss.Terms(x, o);
        Assert.Equal(v.item<double>(), stats["vcreg_var"], 10);
        Assert.Equal(c.item<double>(), stats["vcreg_cov"], 10);
        Assert.Null(reg.TakeLoss()); // its gradient went in through the backward
    }

    [Fact]
    public void Losses_and_stats_survive_dispose_scopes_of_forward_and_step()
    {
        var x = tensor(Sample(), float64);
        foreach (var fast in new[] { true, false })
        {
            var reg = new VcReg(new VcRegOptions(), fast, logStats: true);
            var (v, _) = VcRegLoss.Terms(x, new VcRegOptions());
            using (NewDisposeScope())
            {
                var xf = x.clone().requires_grad_(true);
                Tensor y;
                using (NewDisposeScope()) y = reg.Apply(xf).MoveToOuterDisposeScope(); // the model's forward scope
                var loss = y.sum();
                if (reg.TakeLoss() is Tensor extra) loss = loss + extra;
                loss.backward();
            }
            Assert.Equal(v.item<double>(), reg.TakeStats()["vcreg_var"], 10);
        }
    }

    /// <summary>
    /// With logging on, each placement's ℓ_var and ℓ_cov are reported under its site name (the TensorBoard tags
    /// regularizer/vcreg_var/blocks.0 …), equal to the terms of the features seen there, and the totals are their sums.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Terms_are_reported_per_site_and_in_total(bool fast)
    {
        using var model = VideoVCReg.Tests.FineTune.TinyVideo.Model();
        var reg = new VcReg(new VcRegOptions(), fast, logStats: true);
        var seen = new Dictionary<string, Tensor>();
        var watch = model.BlockModules.Select((m, i) => m.register_forward_hook((_, _, o) => { seen[$"blocks.{i}"] = o.detach().clone().DetachFromDisposeScope(); return o; })).ToList();
        using (AttachedRegularizer.Attach(model, reg, Placement.Blocks | Placement.Head))
        {
            var loss = model.call(randn([3, 3, 4, 32, 32], generator: new Generator(4))).sum();
            if (reg.TakeLoss() is Tensor extra) loss = loss + extra;
            loss.backward();
        }
        foreach (var h in watch) h.remove();
        var stats = reg.TakeStats();
        Assert.Equal(new[] { "blocks.0", "blocks.1", "head" }, stats.Keys.Where(k => k.StartsWith("vcreg_var/")).Select(k => k["vcreg_var/".Length..]).Order());
        foreach (var (site, features) in seen)
        {
            var (v, c) = VcRegLoss.Terms(features, new VcRegOptions());
            Assert.Equal(v.item<float>(), stats[$"vcreg_var/{site}"], 4);
            Assert.Equal(c.item<float>(), stats[$"vcreg_cov/{site}"], 4);
        }
        foreach (var term in new[] { "vcreg_var", "vcreg_cov" })
        {
            // The total is accumulated in float32 alongside the sites: equal to their sum within float32 rounding.
            double sum = stats.Where(kv => kv.Key.StartsWith(term + "/")).Sum(kv => kv.Value);
            Assert.True(Math.Abs(stats[term] - sum) <= 1e-6 * Math.Abs(sum), $"{term}: total {stats[term]:R}, sum over sites {sum:R}");
            Assert.True(stats[term] > 0);
        }
        Assert.DoesNotContain(reg.TakeStats(), kv => kv.Value != 0);        // taken: cleared
    }

    [Fact]
    public void Logging_off_reports_nothing()
    {
        var reg = new VcReg(new VcRegOptions(), fast: true, logStats: false);
        reg.Apply(randn(8, 4, requires_grad: true)).sum().backward();
        Assert.Empty(reg.TakeStats());
    }

    [Fact]
    public void Decov_is_half_the_squared_off_diagonal_frobenius_norm()
    {
        var x = Sample();
        var (c, _, d) = Covariance(x, unbiased: false);
        double expected = 0;
        for (int i = 0; i < d; i++) for (int j = 0; j < d; j++) if (i != j) expected += c[i, j] * c[i, j];
        expected *= 0.5;
        Assert.Equal(expected, DeCov.Loss(tensor(x, float64), FeatureLayout.Auto).item<double>(), 12);
    }

    [Fact]
    public void Wld_reg_sums_rbf_similarities_of_distinct_units()
    {
        // Two samples, tokens [B=2, N=3, D=2]: units are the D columns, each a vector over N tokens.
        var t = new double[,,] { { { 0.1, 0.3 }, { 0.2, -0.1 }, { 0.0, 0.4 } }, { { 1.0, 0.9 }, { -0.2, 0.1 }, { 0.5, 0.5 } } };
        double gamma = 2.0, expected = 0;
        for (int b = 0; b < 2; b++)
        {
            double dist2 = 0;
            for (int k = 0; k < 3; k++) dist2 += Math.Pow(t[b, k, 0] - t[b, k, 1], 2);
            expected += 2 * Math.Exp(-gamma * dist2); // pairs (0,1) and (1,0)
        }
        expected /= 2;
        Assert.Equal(expected, WldReg.Loss(tensor(t, float64), gamma, FeatureLayout.Auto).item<double>(), 10);
    }

    [Fact]
    public void Explicit_loss_regularizers_hand_over_their_loss_once()
    {
        foreach (FeatureRegularizer reg in new FeatureRegularizer[] { new DeCov(), new WldReg(), new VcReg(new VcRegOptions(), fast: false) })
        {
            var x = randn(6, 4, requires_grad: true);
            Assert.Same(x, reg.Apply(x));
            var loss = reg.TakeLoss();
            Assert.NotNull(loss);
            Assert.True(loss!.requires_grad);
            Assert.Null(reg.TakeLoss());
        }
    }

    [Fact]
    public void Unknown_placement_is_a_clear_error()
    {
        var e = Assert.Throws<ArgumentException>(() => PlacementNames.Parse("everywhere"));
        Assert.Contains("everywhere", e.Message);
        Assert.Equal(Placement.BlocksAndDownsample, PlacementNames.Parse("blocks+downsample"));
    }
}
