using TorchSharp;
using static TorchSharp.torch;

namespace VideoVCReg.FineTune;

/// <summary>
/// torchvision's ExponentialMovingAverage of the weights (references/classification/utils.py, an AveragedModel over
/// parameters and buffers): every <see cref="TrainOptions.EmaSteps"/> batches, avg ← d·avg + (1 − d)·w, the first
/// update a copy; integer buffers are copied. The decay is torchvision's adjusted one,
/// 1 − min(1, (1 − decay) · batch · steps / epochs), so the average spans the same share of the run at any length.
/// During the warm-up epochs the average restarts after every update, as torchvision's loop does.
/// </summary>
public sealed class WeightAverage : IDisposable
{
    readonly nn.Module model;
    readonly Dictionary<string, Tensor> averaged = [];

    public double Decay { get; }
    /// <summary>Updates folded in since the last restart (torchvision's n_averaged).</summary>
    public long Count { get; private set; }

    public WeightAverage(nn.Module model, double decay)
    {
        this.model = model;
        Decay = decay;
        using var _ = no_grad();
        foreach (var (name, t) in model.state_dict()) averaged[name] = t.detach().clone().DetachFromDisposeScope();
    }

    public static double AdjustedDecay(TrainOptions o) =>
        1 - Math.Min(1, (1 - (o.EmaDecay ?? 0)) * o.GlobalBatch * o.EmaSteps / o.Epochs);

    public IReadOnlyDictionary<string, Tensor> State => averaged;

    public void Update()
    {
        using var _ = no_grad();
        foreach (var (name, t) in model.state_dict())
        {
            var avg = averaged[name];
            if (Count == 0 || !t.is_floating_point()) avg.copy_(t);
            else avg.mul_(Decay).add_(t.detach(), alpha: 1 - Decay);
        }
        Count++;
    }

    /// <summary>
    /// After the <paramref name="stepsThisEpoch"/>-th optimizer step of an epoch: torchvision updates at its batch 0,
    /// <paramref name="every"/>, 2·<paramref name="every"/>, …, and in the warm-up restarts the average after each update.
    /// </summary>
    public void AfterStep(int stepsThisEpoch, int every, bool warmingUp)
    {
        if ((stepsThisEpoch - 1) % every != 0) return;
        Update();
        if (warmingUp) Restart();
    }

    /// <summary>The next update copies the weights again (torchvision's n_averaged.fill_(0) in the warm-up).</summary>
    public void Restart() => Count = 0;

    /// <summary>Puts the averaged weights into the model until the result is disposed (for validation and for saving).</summary>
    public IDisposable SwapIn()
    {
        using var _ = no_grad();
        var saved = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope());
        foreach (var (name, t) in model.state_dict()) t.copy_(averaged[name]);
        return new Restore(model, saved);
    }

    /// <summary>Restores a saved average (a resume).</summary>
    public void Load(IReadOnlyDictionary<string, Tensor> state, long count, string source)
    {
        using var _ = no_grad();
        foreach (var (name, avg) in averaged)
        {
            if (!state.TryGetValue(name, out var t) || !t.shape.SequenceEqual(avg.shape))
                throw new InvalidDataException($"{source}: the saved weight average has no entry {name} of shape [{string.Join(", ", avg.shape)}]");
            avg.copy_(t);
        }
        Count = count;
    }

    public void Dispose()
    {
        foreach (var t in averaged.Values) t.Dispose();
        averaged.Clear();
    }

    sealed class Restore(nn.Module model, Dictionary<string, Tensor> saved) : IDisposable
    {
        public void Dispose()
        {
            using var _ = no_grad();
            foreach (var (name, t) in model.state_dict()) t.copy_(saved[name]);
            foreach (var t in saved.Values) t.Dispose();
        }
    }
}
