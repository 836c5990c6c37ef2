using static TorchSharp.torch;

namespace VideoVCReg.Eval;

/// <summary>A fitted multinomial logistic regression: weights <c>[C, D]</c>, intercepts <c>[C]</c>, float64.</summary>
public sealed record LinearClassifier(Tensor Weight, Tensor Bias, int Iterations, double GradientNorm) : IDisposable
{
    public Tensor Logits(Tensor x) => x.to(float64).matmul(Weight.t()) + Bias;

    public double Accuracy(Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        return Logits(x).argmax(1).eq(y).to(float64).mean().item<double>();
    }

    public void Dispose()
    {
        Weight.Dispose();
        Bias.Dispose();
    }
}

/// <summary>
/// L2-regularised multinomial logistic regression, the linear probe of Kornblith et al. (2019): it minimises
/// mean cross-entropy(x·Wᵀ + b, y) + (λ/2)·‖W‖², intercepts unpenalised, in float64, by L-BFGS (Nocedal and Wright,
/// algorithm 7.4, memory 20) with a backtracking Armijo line search, in whitened coordinates (see Fit). The objective is smooth and, in W, strictly
/// convex, so the result is the unique optimum whatever the solver; scikit-learn's
/// <c>LogisticRegression(C=c, multi_class="multinomial")</c> minimises ½‖W‖² + c·Σ cross-entropy, the same problem at
/// <c>c = 1 / (λ · n)</c> for n training samples.
/// </summary>
public static class LogisticRegression
{
    public sealed record Options(int MaxIterations = 1000, double GradientTolerance = 1e-7, int Memory = 20);

    public static double SklearnC(double lambda, int samples) => 1.0 / (lambda * samples);

    /// <summary>
    /// The features centred and rotated onto the eigenvectors of their covariance, computed once and shared by the
    /// fits of a λ sweep. Fit solves in these coordinates, scaled per λ (see there); the answer is mapped back.
    /// </summary>
    public sealed class Prepared : IDisposable
    {
        internal Tensor Mean { get; }
        internal Tensor Basis { get; }
        internal Tensor Variance { get; }
        internal Tensor Rotated { get; }

        public Prepared(Tensor features)
        {
            using var scope = NewDisposeScope();
            var raw = features.to(float64);
            var mean = raw.mean([0]);
            var centred = raw - mean;
            var (variance, basis) = linalg.eigh(centred.t().matmul(centred) / raw.shape[0]);
            Mean = mean.MoveToOuterDisposeScope();
            Basis = basis.MoveToOuterDisposeScope();
            Variance = variance.clamp_min(0).MoveToOuterDisposeScope();
            Rotated = centred.matmul(basis).contiguous().MoveToOuterDisposeScope();
        }

        public void Dispose()
        {
            Mean.Dispose(); Basis.Dispose(); Variance.Dispose(); Rotated.Dispose();
        }
    }

    public static LinearClassifier Fit(Tensor features, Tensor labels, int classes, double lambda, Options? options = null)
    {
        using var prepared = new Prepared(features);
        return Fit(prepared, labels, classes, lambda, options);
    }

    /// <param name="start">A fit to start from (the previous λ of a sweep: a warm start); the optimum does not depend on it.</param>
    public static LinearClassifier Fit(Prepared features, Tensor labels, int classes, double lambda, Options? options = null, LinearClassifier? start = null)
    {
        options ??= new Options();
        if (!(lambda > 0 && double.IsFinite(lambda))) throw new ArgumentException($"λ must be a finite number > 0 (got {lambda})");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        // Solved in whitened coordinates, an exact change of variables: x̃ = (x − μ)·V/k with V the covariance's
        // eigenvectors, u = k·(w·V), b' = b + w·μ. ‖w‖² = Σ u²/k² because V is orthogonal, so the optimum is the same
        // problem's. k_j = √(e_j/4 + λ) (e_j the variance along v_j) makes each coordinate's curvature (at most e_j/4
        // from the data, λ from the penalty) about 1: on raw features of a randomly initialised ResNet (scale 100,
        // condition number 1e4) plain L-BFGS needed over 10,000 iterations, a per-column scaling still 5,000.
        var scale = (features.Variance / 4 + lambda).sqrt();
        var x = (features.Rotated / scale).contiguous();
        var inverseSquare = scale.pow(-2);
        long n = x.shape[0], d = x.shape[1];
        var onehot = nn.functional.one_hot(labels.to(int64), classes).to(float64);
        // Into the solver's coordinates: u = k·(W·V), b' = b + W·μ.
        var theta = start is null ? zeros(classes * d + classes, dtype: float64)
            : cat([(start.Weight.matmul(features.Basis) * scale).flatten(), start.Bias + start.Weight.matmul(features.Mean)]);

        (double F, Tensor G) Evaluate(Tensor t)
        {
            var u = t.narrow(0, 0, classes * d).reshape(classes, d);
            var b = t.narrow(0, classes * d, classes);
            var logits = x.matmul(u.t()) + b;
            var logp = nn.functional.log_softmax(logits, 1);
            double f = -(onehot * logp).sum().item<double>() / n + 0.5 * lambda * (u.pow(2) * inverseSquare).sum().item<double>();
            var residual = (logp.exp() - onehot) / n;                      // [n, C]
            var gu = residual.t().matmul(x) + lambda * u * inverseSquare;
            var gb = residual.sum([0]);
            return (f, cat([gu.flatten(), gb]));
        }

        // theta and g live outside the per-iteration scopes and are replaced by hand: 1000 iterations of a
        // 2048 × 100 probe would otherwise keep gigabytes of dead tensors until the fit returns.
        var (fx, g) = Evaluate(theta);
        g = g.DetachFromDisposeScope();
        theta = theta.DetachFromDisposeScope();
        var s = new List<Tensor>();
        var yHist = new List<Tensor>();
        var rho = new List<double>();
        int iteration = 0;
        double gnorm = g.abs().max().item<double>();
        try
        {
            for (; iteration < options.MaxIterations && gnorm > options.GradientTolerance; iteration++)
            {
                using var iter = NewDisposeScope();
                // Two-loop recursion: direction = −H·g.
                var q = g.clone();
                var alpha = new double[s.Count];
                for (int i = s.Count - 1; i >= 0; i--)
                {
                    alpha[i] = rho[i] * s[i].dot(q).item<double>();
                    q.sub_(yHist[i] * alpha[i]);
                }
                double gamma = s.Count > 0 ? s[^1].dot(yHist[^1]).item<double>() / yHist[^1].dot(yHist[^1]).item<double>() : 1.0 / Math.Max(1.0, gnorm);
                var r = q * gamma;
                for (int i = 0; i < s.Count; i++)
                {
                    double beta = rho[i] * yHist[i].dot(r).item<double>();
                    r.add_(s[i] * (alpha[i] - beta));
                }
                var direction = -r;
                double slope = g.dot(direction).item<double>();
                if (slope >= 0)
                {
                    // Not a descent direction (curvature lost to rounding): restart from steepest descent.
                    direction = -g;
                    slope = -g.dot(g).item<double>();
                    foreach (var t in s.Concat(yHist)) t.Dispose();
                    s.Clear(); yHist.Clear(); rho.Clear();
                }

                // Backtracking until the Armijo condition holds.
                double step = 1.0, fNew;
                Tensor next, gNew;
                while (true)
                {
                    next = theta + direction * step;
                    (fNew, gNew) = Evaluate(next);
                    if (fNew <= fx + 1e-4 * step * slope || step < 1e-20) break;
                    step *= 0.5;
                }
                var sk = next - theta;
                var yk = gNew - g;
                double sy = sk.dot(yk).item<double>();
                // Relative: near the optimum steps are tiny, and an absolute threshold stopped every curvature update there.
                if (sy > 1e-10 * yk.dot(yk).item<double>())
                {
                    s.Add(sk.DetachFromDisposeScope()); yHist.Add(yk.DetachFromDisposeScope()); rho.Add(1 / sy);
                    if (s.Count > options.Memory) { s[0].Dispose(); yHist[0].Dispose(); s.RemoveAt(0); yHist.RemoveAt(0); rho.RemoveAt(0); }
                }
                bool stalled = Math.Abs(fx - fNew) <= 1e-16 * Math.Max(1, Math.Abs(fx));
                theta.Dispose(); g.Dispose();
                (theta, fx, g) = (next.DetachFromDisposeScope(), fNew, gNew.DetachFromDisposeScope());
                gnorm = g.abs().max().item<double>();
                if (stalled) { iteration++; break; }
            }
        }
        finally
        {
            foreach (var t in s.Concat(yHist)) t.Dispose();
        }
        using var final = theta;
        g.Dispose();
        var weight = (theta.narrow(0, 0, classes * d).reshape(classes, d) / scale).matmul(features.Basis.t());
        var bias = theta.narrow(0, classes * d, classes) - weight.matmul(features.Mean);
        return new LinearClassifier(weight.MoveToOuterDisposeScope(), bias.MoveToOuterDisposeScope(), iteration, gnorm);
    }
}
