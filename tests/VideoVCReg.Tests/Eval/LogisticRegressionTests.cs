using System.Globalization;
using VideoVCReg.Eval;
using VideoVCReg.Runtime.IO;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Eval;

/// <summary>The probe's logistic regression equals scikit-learn's on the same features and the same λ.</summary>
public class LogisticRegressionTests
{
    static string Fixture => Path.Combine(AppContext.BaseDirectory, "fixtures", "probe", "sklearn_logistic.py");

    [Fact]
    public void Coefficients_probabilities_and_accuracy_equal_sklearns_at_the_mapped_c()
    {
        var dir = Directory.CreateTempSubdirectory("logreg-").FullName;
        try
        {
            double[] lambdas = [1e-3, 3e-2, 1.0];
            Support.PythonScript.Run(Fixture, [dir, .. lambdas.Select(l => l.ToString("R", CultureInfo.InvariantCulture))]);
            using var scope = NewDisposeScope();
            var xtr = NpyFile.ReadFloat32(Path.Combine(dir, "train_x.npy"));
            var ytr = NpyFile.ReadFloat32(Path.Combine(dir, "train_y.npy")).to(int64);
            var xte = NpyFile.ReadFloat32(Path.Combine(dir, "test_x.npy"));
            var yte = NpyFile.ReadFloat32(Path.Combine(dir, "test_y.npy")).to(int64);
            var accuracies = new List<double>();
            for (int i = 0; i < lambdas.Length; i++)
            {
                using var fit = LogisticRegression.Fit(xtr, ytr, 4, lambdas[i]);
                var theirs = NpyFile.ReadFloat32(Path.Combine(dir, $"coef_{i}.npy")).to(float64);
                double rel = (fit.Weight - theirs).abs().max().item<double>() / theirs.abs().max().item<double>();
                Assert.True(rel <= 1e-3, $"λ {lambdas[i]}: coefficients differ by {rel:E2} of their largest ({fit.Iterations} iterations, |g| {fit.GradientNorm:E1})");
                var proba = nn.functional.softmax(fit.Logits(xte), 1);
                var theirProba = NpyFile.ReadFloat32(Path.Combine(dir, $"proba_{i}.npy")).to(float64);
                // scikit-learn's L-BFGS stops a little short of ours (coefficients agree to ~4e-5 relative at λ 1e-3,
                // where the weights are largest): that moves test probabilities by ~1e-4.
                double dp = (proba - theirProba).abs().max().item<double>();
                Assert.True(dp <= 1e-3, $"λ {lambdas[i]}: test probabilities differ by {dp:E2} (coefficients {rel:E2}, {fit.Iterations} iterations, |g| {fit.GradientNorm:E1})");
                double acc = double.Parse(File.ReadAllText(Path.Combine(dir, $"acc_{i}.txt")), CultureInfo.InvariantCulture);
                Assert.Equal(acc, fit.Accuracy(xte, yte), 12);
                accuracies.Add(acc);
            }
            // The λ values matter: the strongest one shrinks the weights well below the weakest's.
            using var weak = LogisticRegression.Fit(xtr, ytr, 4, lambdas[0]);
            using var strong = LogisticRegression.Fit(xtr, ytr, 4, lambdas[^1]);
            Assert.True(strong.Weight.norm().item<double>() < 0.2 * weak.Weight.norm().item<double>());
            Assert.Equal(1 / (0.5 * 300), LogisticRegression.SklearnC(0.5, 300), 15);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void The_probe_sweeps_45_lambdas_picks_the_best_on_held_out_features_and_tests_the_refit()
    {
        Assert.Equal(45, LinearProbe.Lambdas().Length);
        Assert.Equal(1e-5, LinearProbe.Lambdas()[0], 15);
        Assert.Equal(1.0, LinearProbe.Lambdas()[22], 12);                  // the middle of [1e-5, 1e5] on a log scale
        Assert.Equal(1e5, LinearProbe.Lambdas()[^1], 6);

        // Two classes that only the first feature separates, plus 30 noise features and few samples, so the λ
        // values score differently on the held-out features (the largest flatten every score to one class).
        var gen = new Generator(3);
        Tensor Make(int n, out Tensor y)
        {
            y = randint(2, [n], generator: gen);
            var x = randn([n, 31], generator: gen, dtype: float64);
            x[.., 0] += (2 * y.to(float64) - 1) * 1.2;
            return x;
        }
        var xtr = Make(60, out var ytr);
        var xte = Make(400, out var yte);
        double[] lambdas = [1e-5, 1e-3, 1e-1, 1e1, 1e3];
        var result = LinearProbe.Run(xtr, ytr, xte, yte, 2, lambdas: lambdas, seed: 1);
        Assert.Equal(lambdas, result.Sweep.Select(p => p.Lambda));
        Assert.Equal(result.Sweep.Max(p => p.ValidationTop1), result.ValidationTop1, 12);
        Assert.Equal(result.Sweep.Where(p => p.ValidationTop1 == result.ValidationTop1).Max(p => p.Lambda), result.Lambda);
        using var refit = LogisticRegression.Fit(xtr, ytr, 2, result.Lambda);
        Assert.Equal(refit.Accuracy(xte, yte), result.TestTop1, 12);

        var (fit, val) = LinearProbe.HoldOut(ytr.data<long>().ToArray(), 0.2, 1);
        Assert.Equal(60, fit.Length + val.Length);
        Assert.Empty(fit.Intersect(val));
        Assert.InRange(val.Length, 11, 13);                                // a fifth of each class
    }
}
