namespace VideoVCReg.Eval;

/// <summary>
/// What runs repeated over seeds say: mean and sample standard deviation, and the paired difference of two settings
/// run on the same seeds with its Student-t 95 % interval (the seeds pair the runs: same data order and initial weights).
/// </summary>
public static class SeedStatistics
{
    public sealed record Summary(double Mean, double Std, int Count);

    /// <summary>Mean of a − b over paired seeds, and its two-sided 95 % t-interval (null bounds with a single pair).</summary>
    public sealed record Difference(double Mean, double? Low, double? High, int Count)
    {
        /// <summary>The interval excludes 0: the difference is larger than the seed spread explains.</summary>
        public bool Significant => Low > 0 || High < 0;
    }

    public static Summary Summarize(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("no values to summarise");
        double mean = values.Average();
        double std = values.Count < 2 ? double.NaN : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        return new Summary(mean, std, values.Count);
    }

    public static Difference Paired(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count != b.Count) throw new ArgumentException($"paired values need equal counts (got {a.Count} and {b.Count})");
        var d = a.Zip(b, (x, y) => x - y).ToList();
        var s = Summarize(d);
        if (d.Count < 2) return new Difference(s.Mean, null, null, d.Count);
        double half = StudentTQuantile(0.975, d.Count - 1) * s.Std / Math.Sqrt(d.Count);
        return new Difference(s.Mean, s.Mean - half, s.Mean + half, d.Count);
    }

    /// <summary>The p-quantile of Student's t with <paramref name="df"/> degrees of freedom, by bisection on its distribution function.</summary>
    public static double StudentTQuantile(double p, int df)
    {
        if (!(p > 0 && p < 1) || df < 1) throw new ArgumentOutOfRangeException(nameof(p), $"need 0 < p < 1 and df ≥ 1 (got p {p}, df {df})");
        if (p < 0.5) return -StudentTQuantile(1 - p, df);
        double lo = 0, hi = 1;
        while (StudentTCdf(hi, df) < p) hi *= 2;
        for (int i = 0; i < 200 && hi - lo > 1e-13 * hi; i++)
        {
            double mid = (lo + hi) / 2;
            if (StudentTCdf(mid, df) < p) lo = mid; else hi = mid;
        }
        return (lo + hi) / 2;
    }

    /// <summary>P(T ≤ t) = 1 − I_x(df/2, 1/2) / 2 with x = df/(df + t²), for t ≥ 0.</summary>
    public static double StudentTCdf(double t, int df)
    {
        double tail = 0.5 * RegularizedBeta(df / 2.0, 0.5, df / (df + t * t));
        return t >= 0 ? 1 - tail : tail;
    }

    /// <summary>I_x(a, b) by its continued fraction (Lentz's method), using the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where it converges faster.</summary>
    static double RegularizedBeta(double a, double b, double x)
    {
        if (x <= 0) return 0;
        if (x >= 1) return 1;
        if (x > (a + 1) / (a + b + 2)) return 1 - RegularizedBeta(b, a, 1 - x);
        double front = Math.Exp(LogGamma(a + b) - LogGamma(a) - LogGamma(b) + a * Math.Log(x) + b * Math.Log(1 - x)) / a;
        const double tiny = 1e-300;
        double f = 1, c = 1, d = 0;
        for (int i = 0; i <= 400; i++)
        {
            int m = i / 2;
            double numerator = i == 0 ? 1
                : i % 2 == 0 ? m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
                : -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
            d = 1 + numerator * d;
            d = Math.Abs(d) < tiny ? tiny : d;
            d = 1 / d;
            c = 1 + numerator / c;
            c = Math.Abs(c) < tiny ? tiny : c;
            double step = c * d;
            f *= step;
            if (Math.Abs(1 - step) < 1e-15) break;
        }
        return front * (f - 1);
    }

    /// <summary>ln Γ(x) for x &gt; 0 (Lanczos, g = 7, nine terms: about 15 significant digits).</summary>
    static double LogGamma(double x)
    {
        if (x < 0.5) return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        double[] g =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
        ];
        x -= 1;
        double sum = g[0];
        for (int i = 1; i < g.Length; i++) sum += g[i] / (x + i);
        double t = x + 7.5;
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }
}
