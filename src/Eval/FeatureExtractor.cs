using TorchSharp;
using VideoVCReg.Runtime.Data;
using static TorchSharp.torch;

namespace VideoVCReg.Eval;

/// <summary>Features and labels of a set of samples, on the CPU: <c>X [n, d]</c> float32, <c>Y [n]</c> int64, in sample order.</summary>
public sealed record FeatureSet(Tensor X, Tensor Y) : IDisposable
{
    public int Count => (int)X.shape[0];
    public int Dim => (int)X.shape[1];

    public void Dispose()
    {
        X.Dispose();
        Y.Dispose();
    }
}

/// <summary>
/// The frozen backbone's representation: the input of <see cref="Models.Network.HeadInput"/> (the pooled,
/// penultimate features the head reads), taken by a forward pre-hook in eval mode without gradients, so it is
/// exactly what the regularizer's "head" site sees in training and needs no per-family code.
/// </summary>
public static class FeatureExtractor
{
    public static FeatureSet Extract(Models.Network model, IEnumerable<Batch> batches, Device device, CancellationToken cancel = default,
        Action<int>? onBatch = null)
    {
        var xs = new List<Tensor>();
        var ys = new List<Tensor>();
        Tensor? captured = null;
        bool wasTraining = model.training;
        model.eval();
        using var hook = new HookHandle(model.HeadInput.register_forward_pre_hook((_, input) =>
        {
            // The hook may run inside a scope of the network's own, so the copy leaves every scope at once.
            captured = input.detach().to_type(ScalarType.Float32).cpu().flatten(1).clone().DetachFromDisposeScope();
            return input;
        }).remove);
        try
        {
            using var _ = no_grad();
            int done = 0;
            foreach (var batch in batches)
            {
                using var b = batch;
                cancel.ThrowIfCancellationRequested();
                using (NewDisposeScope())
                {
                    captured = null;
                    model.call(b.Inputs.to(device));
                    if (captured is null) throw new InvalidOperationException($"{model.GetName()}: the head's input was never computed");
                }
                xs.Add(captured!);
                ys.Add(b.Labels.cpu().to(ScalarType.Int64).clone());
                onBatch?.Invoke(++done);
            }
        }
        finally
        {
            if (wasTraining) model.train();
        }
        if (xs.Count == 0) throw new InvalidDataException("no sample to extract features from");
        var set = new FeatureSet(cat(xs, 0), cat(ys, 0));
        foreach (var t in xs.Concat(ys)) t.Dispose();
        return set;
    }

    sealed class HookHandle(Action remove) : IDisposable
    {
        public void Dispose() => remove();
    }
}
