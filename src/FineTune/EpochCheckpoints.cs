using System.Collections;

namespace VideoVCReg.FineTune;

/// <summary>
/// The checkpoints a run writes after each epoch through <paramref name="save"/> (null: none): checkpoint-best.pth when
/// validation top-1 improves, checkpoint-ema.pth with the weight average, and checkpoint-last.pth with the
/// <see cref="TrainingState"/> to resume from. Every rank keeps the same books (validation is gathered), so all agree on
/// "best" and on the last good checkpoint a divergence names; only the writer (rank 0) writes.
/// </summary>
sealed class EpochCheckpoints(string outDir, Action<string, IReadOnlyDictionary<string, Hashtable>?>? save, bool writer)
{
    public bool Enabled => save is not null;
    public string LastPath => Path.Combine(outDir, "checkpoint-last.pth");
    string BestPath => Path.Combine(outDir, "checkpoint-best.pth");
    string EmaPath => Path.Combine(outDir, "checkpoint-ema.pth");

    public double BestTop1 { get; private set; } = double.NegativeInfinity;

    /// <summary>The newest checkpoint of finite weights, for the message when the run diverges; null before the first.</summary>
    public string? LastGood { get; private set; }

    /// <summary>Deletes an earlier run's best and average: they would pass for this run's.</summary>
    public void StartOver()
    {
        if (!writer) return;
        File.Delete(BestPath);
        File.Delete(EmaPath);
    }

    public void Resumed(string from, double bestTop1) => (LastGood, BestTop1) = (from, bestTop1);

    /// <summary>After an epoch; <paramref name="state"/> gets the best top-1 including this epoch's.</summary>
    public void Write(IReadOnlyDictionary<string, double> validation, WeightAverage? ema, Func<double, IReadOnlyDictionary<string, Hashtable>> state)
    {
        if (save is null) return;
        if (validation.TryGetValue("top1", out var top1) && top1 > BestTop1)
        {
            BestTop1 = top1;
            if (writer) save(BestPath, null);
        }
        if (ema is not null && writer)
            using (ema.SwapIn()) save(EmaPath, null);
        if (writer) save(LastPath, state(BestTop1));
        LastGood = LastPath;
    }
}
