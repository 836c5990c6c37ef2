using static TorchSharp.torch;

namespace VideoVCReg.Models.Regularization;

/// <summary>
/// One interface for every feature regularizer (VCReg fast and naive, DeCov, WLD-Reg), so the training
/// loop, the placements and the command line treat them alike. <see cref="Apply"/> runs at each placement
/// during the forward pass. Regularizers that need an explicit loss accumulate it there and hand it over in
/// <see cref="TakeLoss"/>; the fast VCReg injects its gradient in the backward and has no loss to add.
/// </summary>
public abstract class FeatureRegularizer
{
    readonly List<Tensor> pending = [];

    /// <summary>Returns the tensor the network continues with (the same values).</summary>
    public abstract Tensor Apply(Tensor features);

    /// <summary>A likely cause, in the user's terms, when a run with this regularizer at <paramref name="placement"/> diverges; null: none known.</summary>
    public virtual string? DivergenceHint(Placement placement) => null;

    /// <summary>As <see cref="Apply(Tensor)"/>, at a named site ("head", "blocks.3"), for regularizers that log per site.</summary>
    public virtual Tensor Apply(Tensor features, string site) => Apply(features);

    /// <summary>
    /// The forward talks to the other processes (the naive VCReg's gathered rows under --vcreg-sync), so a data-parallel
    /// loop must agree on skipping a batch before the forward, not after it.
    /// </summary>
    public virtual bool CollectiveForward => false;

    /// <summary>Regularizers are active in training only; in eval mode placements pass features through.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Scale of the gradient a regularizer injects in the backward (the fast VCReg), as a loss scaled by it
    /// would have: a loop accumulating k micro-batches sets 1/k, exactly as it divides its loss by k.
    /// Explicit losses (<see cref="TakeLoss"/>) are scaled by the loop with the rest of the loss instead.
    /// </summary>
    public double GradientScale { get; set; } = 1;

    /// <summary>
    /// Keeps a loss made inside the model's forward. Models run their forward in dispose scopes, so the
    /// tensor is detached from them here and handed back in the caller's scope by <see cref="TakeLoss"/>.
    /// </summary>
    protected void AddLoss(Tensor loss) { lock (pending) pending.Add(loss.DetachFromDisposeScope()); }

    /// <summary>The explicit loss gathered since the last call, or null when there is none to add.</summary>
    public Tensor? TakeLoss()
    {
        lock (pending)
        {
            if (pending.Count == 0) return null;
            // A new tensor in the caller's scope; the graph keeps what backward needs, so the handles can go.
            var total = pending.Count == 1 ? pending[0].alias() : stack(pending).sum();
            foreach (var t in pending) t.Dispose();
            pending.Clear();
            return total;
        }
    }

    /// <summary>Call after each backward: rethrows a failure that happened inside a custom backward.</summary>
    public virtual void AfterBackward() { }

    /// <summary>Regularizer terms for logging (name → value) since the last call; empty when logging is off.</summary>
    public virtual IReadOnlyDictionary<string, double> TakeStats() => new Dictionary<string, double>();
}
