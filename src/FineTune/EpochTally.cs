using System.Diagnostics;

namespace VideoVCReg.FineTune;

/// <summary>
/// What an epoch has done so far, for its metrics.jsonl line and the progress display: sums over every trained micro-batch
/// (a last, incomplete group's too), optimizer steps and those float16 overflow skipped, the largest lr, the time blocked on
/// the loader; and the current optimizer step's sums over its micro-batches, whose mean is the step's loss data parallel.
/// </summary>
sealed class EpochTally
{
    readonly Stopwatch watch = Stopwatch.StartNew();
    TimeSpan waiting;
    double lossSum, stepLossSum, stepSamples;

    public long Correct { get; private set; }
    public long Samples { get; private set; }
    public int Steps { get; private set; }
    public int Skipped { get; private set; }
    public double Lr { get; private set; }
    public double LrMax { get; private set; }

    /// <summary>The batches, timing each wait for the next: its share of the epoch says whether decoding keeps up with the model.</summary>
    public IEnumerable<T> Timed<T>(IEnumerable<T> batches)
    {
        using var e = batches.GetEnumerator();
        while (true)
        {
            var asked = watch.Elapsed;
            if (!e.MoveNext()) yield break;
            waiting += watch.Elapsed - asked;
            yield return e.Current;
        }
    }

    public void UseLr(double lr)
    {
        Lr = lr;
        LrMax = Math.Max(LrMax, lr);
    }

    public void Add(MicroBatchSums sums)
    {
        lossSum += sums.LossTimesSamples;
        Correct += (long)sums.Right;
        Samples += (long)sums.Samples;
        stepLossSum += sums.LossTimesSamples;
        stepSamples += sums.Samples;
    }

    /// <summary>The current step's mean loss over its micro-batches' samples.</summary>
    public double StepLoss => stepLossSum / stepSamples;

    public void EndStep(bool applied)
    {
        (stepLossSum, stepSamples) = (0, 0);
        Steps++;
        if (!applied) Skipped++;
    }

    public double ClipsPerSecond => Samples / watch.Elapsed.TotalSeconds;

    public EpochRecord Record(int epoch, IReadOnlyDictionary<string, double> regularizer, IReadOnlyDictionary<string, double> validation, string? checkpoint) =>
        new(epoch, Steps, (int)Samples, lossSum / Samples, (double)Correct / Samples, LrMax, watch.Elapsed.TotalSeconds, regularizer, validation, checkpoint,
            waiting.TotalSeconds / watch.Elapsed.TotalSeconds);
}
