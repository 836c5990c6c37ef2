using System.Collections;
using System.Text;
using TorchSharp;
using VideoVCReg.Models.Checkpoints;
using static TorchSharp.torch;

namespace VideoVCReg.FineTune;

/// <summary>
/// What checkpoint-last.pth carries beside the weights so that a killed run continues exactly: the AdamW
/// moments and step count of every parameter (<c>'optimizer'</c>: <c>&lt;i&gt;.exp_avg</c>, <c>&lt;i&gt;.exp_avg_sq</c>,
/// <c>&lt;i&gt;.step</c>, in parameter-group order), and the loop (<c>'trainer'</c>: epochs done, optimizer steps done,
/// best validation top-1, torch's CPU random state, the run's settings as UTF-8 JSON). All are tensors, so
/// <c>torch.load</c> reads the file as dicts of tensors. The loader needs no state: its draws are a pure
/// function of (seed, epoch, item, view).
/// </summary>
public sealed record TrainingState(int EpochsDone, int Step, double BestTop1, Tensor TorchRng, string Settings,
    IReadOnlyList<(long Step, Tensor ExpAvg, Tensor ExpAvgSq)> Moments)
{
    public static IReadOnlyDictionary<string, Hashtable> Capture(optim.Optimizer optimizer, int epochsDone, int step, double bestTop1, string settings)
    {
        var opt = new Hashtable();
        var states = ((TorchSharp.Modules.OptimizerHelper)optimizer).state_dict().State;
        for (int i = 0; i < states.Count; i++)
        {
            var s = (TorchSharp.Modules.AdamW.State)states[i];
            opt[$"{i}.exp_avg"] = s.exp_avg.detach().cpu().clone();
            opt[$"{i}.exp_avg_sq"] = s.exp_avg_sq.detach().cpu().clone();
            opt[$"{i}.step"] = tensor(s.step);
        }
        var trainer = new Hashtable
        {
            ["epochs_done"] = tensor((long)epochsDone),
            ["step"] = tensor((long)step),
            ["best_top1"] = tensor(bestTop1, ScalarType.Float64),
            ["torch_rng"] = torch.Generator.Default.get_state().clone(),
            ["settings"] = tensor(Encoding.UTF8.GetBytes(settings)),
        };
        return new Dictionary<string, Hashtable> { ["optimizer"] = opt, ["trainer"] = trainer };
    }

    /// <summary>The state in a checkpoint, or null when it holds weights only (an official or best checkpoint).</summary>
    public static TrainingState? Read(string path)
    {
        if (TorchZipReader.Read(path) is not Hashtable root || root["trainer"] is not Hashtable t || root["optimizer"] is not Hashtable o) return null;
        try
        {
            var moments = new List<(long, Tensor, Tensor)>();
            for (int i = 0; o.ContainsKey($"{i}.step"); i++)
                moments.Add((((Tensor)o[$"{i}.step"]!).item<long>(), (Tensor)o[$"{i}.exp_avg"]!, (Tensor)o[$"{i}.exp_avg_sq"]!));
            var settings = Encoding.UTF8.GetString(((Tensor)t["settings"]!).data<byte>().ToArray());
            return new TrainingState((int)((Tensor)t["epochs_done"]!).item<long>(), (int)((Tensor)t["step"]!).item<long>(),
                ((Tensor)t["best_top1"]!).item<double>(), (Tensor)t["torch_rng"]!, settings, moments);
        }
        catch (Exception e) when (e is InvalidCastException or NullReferenceException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: damaged training state ({e.Message})", e);
        }
    }

    /// <summary>Puts the moments back into a freshly built optimizer over the same parameter groups, and torch's random state.</summary>
    public void Restore(optim.Optimizer optimizer, string path)
    {
        var states = ((TorchSharp.Modules.OptimizerHelper)optimizer).state_dict().State;
        if (states.Count != Moments.Count)
            throw new InvalidDataException($"{path}: the training state holds {Moments.Count} optimizer entries, the model has {states.Count} parameters");
        using var _ = no_grad();
        for (int i = 0; i < states.Count; i++)
        {
            var s = (TorchSharp.Modules.AdamW.State)states[i];
            var (step, m, v) = Moments[i];
            if (!s.exp_avg.shape.SequenceEqual(m.shape))
                throw new InvalidDataException($"{path}: optimizer entry {i} has shape [{string.Join(", ", m.shape)}], the parameter [{string.Join(", ", s.exp_avg.shape)}]");
            s.exp_avg.copy_(m);
            s.exp_avg_sq.copy_(v);
            s.step = step;
        }
        torch.Generator.Default.set_state(TorchRng);
    }
}
