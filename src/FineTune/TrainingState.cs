using System.Collections;
using System.Text;
using TorchSharp;
using VideoVCReg.Models.Checkpoints;
using static TorchSharp.torch;

namespace VideoVCReg.FineTune;

/// <summary>One parameter's optimizer state: its step count (Adam/AdamW) and its buffers by torch's names.</summary>
public sealed record OptimizerEntry(long Step, IReadOnlyDictionary<string, Tensor> Buffers);

/// <summary>
/// What checkpoint-last.pth carries beside the weights so that a killed run continues exactly: every parameter's
/// optimizer state in parameter-group order (<c>'optimizer'</c>: <c>count</c>, and per entry <c>&lt;i&gt;.step</c> with
/// <c>&lt;i&gt;.exp_avg</c>, <c>&lt;i&gt;.exp_avg_sq</c> for Adam and AdamW, or <c>&lt;i&gt;.momentum_buffer</c> for SGD with
/// momentum once it has stepped), and the loop (<c>'trainer'</c>: epochs done, optimizer steps done, best validation
/// top-1, torch's CPU random state, the run's settings as UTF-8 JSON). All are tensors, so <c>torch.load</c> reads
/// the file as dicts of tensors. The loader needs no state: its draws are a pure function of (seed, epoch, item, view).
/// </summary>
public sealed record TrainingState(int EpochsDone, int Step, double BestTop1, Tensor TorchRng, string Settings, IReadOnlyList<OptimizerEntry> Entries,
    IReadOnlyDictionary<string, Tensor>? Ema = null, long EmaCount = 0, double? LossScale = null, int LossScaleGrowth = 0)
{
    public static IReadOnlyDictionary<string, Hashtable> Capture(optim.Optimizer optimizer, int epochsDone, int step, double bestTop1, string settings,
        WeightAverage? ema = null, LossScaler? scaler = null)
    {
        var opt = new Hashtable();
        var states = ((TorchSharp.Modules.OptimizerHelper)optimizer).state_dict().State;
        opt["count"] = tensor((long)states.Count);
        for (int i = 0; i < states.Count; i++)
        {
            var (stepCount, buffers) = Buffers(states[i]);
            opt[$"{i}.step"] = tensor(stepCount);
            foreach (var (name, t) in buffers)
                if (t is not null) opt[$"{i}.{name}"] = t.detach().cpu().clone();
        }
        var trainer = new Hashtable
        {
            ["epochs_done"] = tensor((long)epochsDone),
            ["step"] = tensor((long)step),
            ["best_top1"] = tensor(bestTop1, ScalarType.Float64),
            ["torch_rng"] = torch.Generator.Default.get_state().clone(),
            ["settings"] = tensor(Encoding.UTF8.GetBytes(settings)),
        };
        var state = new Dictionary<string, Hashtable> { ["optimizer"] = opt, ["trainer"] = trainer };
        // float16's loss scaler, as torchvision keeps GradScaler's state_dict under 'scaler'.
        if (scaler is not null)
            state["scaler"] = new Hashtable { ["scale"] = tensor(scaler.Scale, ScalarType.Float64), ["growth_tracker"] = tensor((long)scaler.GrowthTracker) };
        if (ema is not null)
        {
            // The average in the model's own keys, as torchvision keeps 'model_ema', plus its update count.
            var average = new Hashtable { ["n_averaged"] = tensor(ema.Count) };
            foreach (var (name, t) in ema.State) average[name] = t.detach().cpu().clone();
            state["model_ema"] = average;
        }
        return state;
    }

    /// <summary>The state in a checkpoint, or null when it holds weights only (an official or best checkpoint).</summary>
    public static TrainingState? Read(string path)
    {
        if (TorchZipReader.Read(path) is not Hashtable root || root["trainer"] is not Hashtable t || root["optimizer"] is not Hashtable o) return null;
        try
        {
            // Checkpoints written before other optimizers than AdamW existed have no count: every entry has a step.
            int count = o["count"] is Tensor c ? (int)c.item<long>() : Enumerable.Range(0, int.MaxValue).TakeWhile(i => o.ContainsKey($"{i}.step")).Count();
            var entries = new List<OptimizerEntry>();
            for (int i = 0; i < count; i++)
            {
                var buffers = new Dictionary<string, Tensor>();
                foreach (var name in new[] { "exp_avg", "exp_avg_sq", "momentum_buffer", "mu" })
                    if (o[$"{i}.{name}"] is Tensor b) buffers[name] = b;
                entries.Add(new OptimizerEntry(((Tensor)o[$"{i}.step"]!).item<long>(), buffers));
            }
            var settings = Encoding.UTF8.GetString(((Tensor)t["settings"]!).data<byte>().ToArray());
            Dictionary<string, Tensor>? ema = null;
            long emaCount = 0;
            if (root["model_ema"] is Hashtable e)
            {
                emaCount = ((Tensor)e["n_averaged"]!).item<long>();
                ema = e.Keys.Cast<string>().Where(k => k != "n_averaged").ToDictionary(k => k, k => (Tensor)e[k]!);
            }
            double? scale = null;
            int growth = 0;
            if (root["scaler"] is Hashtable sc)
            {
                scale = ((Tensor)sc["scale"]!).item<double>();
                growth = (int)((Tensor)sc["growth_tracker"]!).item<long>();
            }
            return new TrainingState((int)((Tensor)t["epochs_done"]!).item<long>(), (int)((Tensor)t["step"]!).item<long>(),
                ((Tensor)t["best_top1"]!).item<double>(), (Tensor)t["torch_rng"]!, settings, entries, ema, emaCount, scale, growth);
        }
        catch (Exception e) when (e is InvalidCastException or NullReferenceException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: damaged training state ({e.Message})", e);
        }
    }

    /// <summary>Puts the state back into a freshly built optimizer of the same kind over the same parameter groups, and torch's random state.</summary>
    public void Restore(optim.Optimizer optimizer, string path)
    {
        var states = ((TorchSharp.Modules.OptimizerHelper)optimizer).state_dict().State;
        if (states.Count != Entries.Count)
            throw new InvalidDataException($"{path}: the training state holds {Entries.Count} optimizer entries, the model has {states.Count} parameters");
        // In the states' order (groups, then their parameters): where each buffer must live.
        var devices = optimizer.parameters().Select(p => p.device).ToList();
        using var _ = no_grad();
        for (int i = 0; i < states.Count; i++)
        {
            var entry = Entries[i];
            void Copy(Tensor into, string name)
            {
                if (!entry.Buffers.TryGetValue(name, out var saved))
                    throw new InvalidDataException($"{path}: optimizer entry {i} has no {name} (a checkpoint of another optimizer?)");
                if (!into.shape.SequenceEqual(saved.shape))
                    throw new InvalidDataException($"{path}: optimizer entry {i} has shape [{string.Join(", ", saved.shape)}], the parameter [{string.Join(", ", into.shape)}]");
                into.copy_(saved);
            }
            switch (states[i])
            {
                case TorchSharp.Modules.AdamW.State s: Copy(s.exp_avg, "exp_avg"); Copy(s.exp_avg_sq, "exp_avg_sq"); s.step = entry.Step; break;
                case TorchSharp.Modules.Adam.State s: Copy(s.exp_avg, "exp_avg"); Copy(s.exp_avg_sq, "exp_avg_sq"); s.step = entry.Step; break;
                // SGD's buffer exists once the parameter has had a momentum step; torch then continues from it.
                case TorchSharp.Modules.SGD.State s:
                    s.momentum_buffer = entry.Buffers.TryGetValue("momentum_buffer", out var m) ? m.to(devices[i]).clone().DetachFromDisposeScope() : null!;
                    break;
                case Lars.State s:
                    s.mu = entry.Buffers.TryGetValue("mu", out var mu) ? mu.to(devices[i]).clone().DetachFromDisposeScope() : null;
                    break;
                default: throw new NotSupportedException($"optimizer state {states[i].GetType().Name} cannot be restored");
            }
        }
        torch.Generator.Default.set_state(TorchRng);
    }

    static (long Step, IEnumerable<(string, Tensor?)> Buffers) Buffers(object state) => state switch
    {
        TorchSharp.Modules.AdamW.State s => (s.step, [("exp_avg", s.exp_avg), ("exp_avg_sq", s.exp_avg_sq)]),
        TorchSharp.Modules.Adam.State s => (s.step, [("exp_avg", s.exp_avg), ("exp_avg_sq", s.exp_avg_sq)]),
        TorchSharp.Modules.SGD.State s => (0, [("momentum_buffer", s.momentum_buffer)]),
        Lars.State s => (0, [("mu", s.mu)]),
        _ => throw new NotSupportedException($"optimizer state {state.GetType().Name} cannot be saved"),
    };
}
