using static TorchSharp.torch;

namespace VideoVCReg.Eval;

/// <summary>
/// What a representation looks like (the paper's §5.2, Table 6), in float64: the class-distance normalised variance
/// (CDNV, Galanti et al. 2022) averaged over class pairs, the nearest-class-centre (NCC) accuracy, and the spectrum of
/// the feature covariance with its effective rank (Roy and Vetterli 2007).
/// </summary>
public sealed record RepresentationReport(double Cdnv, double NccTrain, double NccTest, double EffectiveRank, double TopShare,
    double[] Spectrum, int Dim, int Classes, int TrainSamples, int TestSamples);

public static class RepresentationMetrics
{
    /// <summary>
    /// CDNV over the training features: for classes i ≠ j, (Var(S_i) + Var(S_j)) / (2‖μ_i − μ_j‖²), where Var(S) is the
    /// mean squared distance of a class's features to its mean; averaged over the C(C−1)/2 pairs.
    /// NCC: class means of the training features; each sample takes the nearest mean's class (Euclidean; ties to the lower class).
    /// Spectrum: the eigenvalues (singular values) of the training features' covariance (1/n, centred), descending;
    /// effective rank exp(−Σ p log p) with p = σ / Σσ; top share σ₁ / Σσ.
    /// </summary>
    public static RepresentationReport Compute(FeatureSet train, FeatureSet test, int classes)
    {
        using var scope = NewDisposeScope();
        var x = train.X.to(float64);
        var y = train.Y.to(int64);
        long d = x.shape[1];
        var means = zeros(classes, d, dtype: float64);
        var variances = new double[classes];
        var present = new bool[classes];
        for (int c = 0; c < classes; c++)
        {
            var rows = y.eq(c).nonzero().squeeze(1);
            if (rows.shape[0] == 0) continue;
            present[c] = true;
            var fc = x.index_select(0, rows);
            var mu = fc.mean([0]);
            means[c] = mu;
            variances[c] = (fc - mu).pow(2).sum(1).mean().item<double>();
        }
        var seen = Enumerable.Range(0, classes).Where(c => present[c]).ToArray();
        var distances = cdist(means, means).pow(2);
        double sum = 0;
        int pairs = 0;
        for (int a = 0; a < seen.Length; a++)
            for (int b = a + 1; b < seen.Length; b++)
            {
                int i = seen[a], j = seen[b];
                sum += (variances[i] + variances[j]) / (2 * distances[i, j].item<double>());
                pairs++;
            }

        double Ncc(FeatureSet set)
        {
            var known = tensor(seen.Select(c => (long)c).ToArray());
            var nearest = cdist(set.X.to(float64), means.index_select(0, known)).argmin(1);
            return known.index_select(0, nearest).eq(set.Y.to(int64)).to(float64).mean().item<double>();
        }

        var centred = x - x.mean([0]);
        var covariance = centred.t().matmul(centred) / x.shape[0];
        var eigen = linalg.eigvalsh(covariance).clamp_min(0).flip(0);
        var spectrum = eigen.data<double>().ToArray();
        double total = spectrum.Sum();
        double entropy = spectrum.Where(s => s > 0).Sum(s => -(s / total) * Math.Log(s / total));
        return new RepresentationReport(pairs == 0 ? double.NaN : sum / pairs, Ncc(train), Ncc(test), Math.Exp(entropy),
            total > 0 ? spectrum[0] / total : double.NaN, spectrum, (int)d, classes, train.Count, test.Count);
    }
}
