using VideoVCReg.Runtime.Data;
using static TorchSharp.torch;

namespace VideoVCReg.Eval;

/// <summary>One λ of the sweep, its validation top-1, the L-BFGS iterations its fit took, and whether it reached the gradient tolerance.</summary>
public sealed record ProbePoint(double Lambda, double ValidationTop1, int Iterations, bool Converged);

/// <summary>The chosen λ, its validation top-1, the test top-1 of the refit on all training features, and the sweep.</summary>
public sealed record ProbeResult(double Lambda, double ValidationTop1, double TestTop1, IReadOnlyList<ProbePoint> Sweep);

/// <summary>
/// Kornblith et al.'s linear probe (appendix C.1): on frozen features, an L2-regularised multinomial logistic
/// regression (<see cref="LogisticRegression"/>) for each of 45 log-spaced λ in [1e-5, 1e5], scored on a validation
/// share held out from the training features (per class, seeded); the best λ (the larger on a tie: the simpler
/// model) is refitted on all training features and tested.
/// </summary>
public static class LinearProbe
{
    /// <summary>
    /// The most λ a sweep takes: 100 a decade over [1e-5, 1e5], far past where neighbouring fits differ. Each λ is a whole
    /// L-BFGS fit, and the grid is held in memory: --lambdas 100000000 ran for ten minutes at 2.4 GB before its first fit ended.
    /// </summary>
    public const int MaxLambdas = 1000;

    public static double[] Lambdas(int count = 45, double lo = 1e-5, double hi = 1e5)
    {
        if (count < 1 || count > MaxLambdas) throw new ArgumentException($"--lambdas must be in [1, {MaxLambdas}] (got {count})");
        // One λ: the grid's geometric middle (1 for [1e-5, 1e5]); the spacing below would divide 0 by 0.
        if (count == 1) return [Math.Pow(10, (Math.Log10(lo) + Math.Log10(hi)) / 2)];
        return [.. Enumerable.Range(0, count).Select(i => Math.Pow(10, Math.Log10(lo) + (Math.Log10(hi) - Math.Log10(lo)) * i / (count - 1)))];
    }

    /// <summary>Training rows for the fit and for validation: <paramref name="share"/> of each class, chosen by the seed.</summary>
    public static (long[] Fit, long[] Validation) HoldOut(long[] labels, double share, int seed)
    {
        if (!(share > 0 && share < 1)) throw new ArgumentException($"validation share must be in (0, 1) (got {share})");
        var fit = new List<long>();
        var val = new List<long>();
        foreach (var group in Enumerable.Range(0, labels.Length).GroupBy(i => labels[i]).OrderBy(g => g.Key))
        {
            var rows = group.ToArray();
            new Random(Seeds.Mix(seed, (int)group.Key, 0x9b0)).Shuffle(rows);
            int n = rows.Length < 2 ? 0 : Math.Max(1, (int)Math.Round(share * rows.Length));
            val.AddRange(rows.Take(n).Select(r => (long)r));
            fit.AddRange(rows.Skip(n).Select(r => (long)r));
        }
        return ([.. fit.Order()], [.. val.Order()]);
    }

    public static ProbeResult Run(Tensor trainX, Tensor trainY, Tensor testX, Tensor testY, int classes,
        double validationShare = 0.2, int seed = 0, IReadOnlyList<double>? lambdas = null, LogisticRegression.Options? options = null,
        Action<LinearClassifier>? final = null)
    {
        using var scope = NewDisposeScope();
        lambdas ??= Lambdas();
        var labels = trainY.to(int64).cpu().data<long>().ToArray();
        var (fitRows, valRows) = HoldOut(labels, validationShare, seed);
        var fitIdx = tensor(fitRows);
        var valIdx = tensor(valRows);
        var (fx, fy) = (trainX.index_select(0, fitIdx), trainY.index_select(0, fitIdx));
        var (vx, vy) = (trainX.index_select(0, valIdx), trainY.index_select(0, valIdx));
        using var prepared = new LogisticRegression.Prepared(fx);
        var sweep = Sweep(prepared, fy, vx, vy, classes, lambdas, options);
        var best = sweep.OrderByDescending(p => p.ValidationTop1).ThenByDescending(p => p.Lambda).First();
        using var refit = LogisticRegression.Fit(trainX, trainY, classes, best.Lambda, options);
        final?.Invoke(refit);
        return new ProbeResult(best.Lambda, best.ValidationTop1, refit.Accuracy(testX, testY.to(int64)), sweep);
    }

    /// <summary>
    /// Fits every λ on the prepared fit share and scores the validation share; points in the order of <paramref name="lambdas"/>.
    /// The fits run from the strongest penalty to the weakest, each starting from the previous one (a regularisation
    /// path): small λ, whose optimum is far from zero, then take a fraction of the iterations. The optimum does not
    /// depend on the start.
    /// </summary>
    public static IReadOnlyList<ProbePoint> Sweep(LogisticRegression.Prepared fit, Tensor fitLabels, Tensor valX, Tensor valY, int classes,
        IReadOnlyList<double> lambdas, LogisticRegression.Options? options = null)
    {
        var points = new Dictionary<double, ProbePoint>();
        LinearClassifier? previous = null;
        try
        {
            foreach (var lambda in lambdas.Distinct().OrderDescending())
            {
                var next = LogisticRegression.Fit(fit, fitLabels, classes, lambda, options, previous);
                previous?.Dispose();
                previous = next;
                points[lambda] = new ProbePoint(lambda, next.Accuracy(valX, valY), next.Iterations, next.GradientNorm <= (options ?? new()).GradientTolerance);
            }
        }
        finally { previous?.Dispose(); }
        return [.. lambdas.Select(l => points[l])];
    }
}
