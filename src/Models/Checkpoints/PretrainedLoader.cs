using TorchSharp;
using static TorchSharp.torch;

namespace VideoVCReg.Models.Checkpoints;

/// <summary>What the user asks for on top of the preset: `--num-classes`, `--frames`, `--size`.</summary>
/// <summary>What a load may change: the head's classes, frames, input size, and the stochastic depth rate (a training setting, no weights).</summary>
/// <param name="KeepFloat64">A float64 checkpoint gives a float64 model (a --precision float64 run resumed without rounding); otherwise float32.</param>
public sealed record LoadOptions(int? NumClasses = null, int? Frames = null, int? ImageSize = null, double? DropPath = null, bool KeepFloat64 = false);

public sealed record LoadedModel(VisionTransformer Model, CheckpointLayout? Layout, IReadOnlyList<string> Warnings);

/// <summary>
/// The one entry point: read → detect layout → remap → build the model the preset and the checkpoint describe
/// → strict load. Strict means one message listing every missing, unexpected and mis-shaped key. The only
/// tolerated differences are the ones the user asked for: another class count re-initialises the head,
/// another frame count or size resamples learned positions (sin-cos tables are simply recomputed).
/// </summary>
public static class PretrainedLoader
{
    public static LoadedModel Load(ModelConfig preset, string? weights, LoadOptions? options = null)
    {
        options ??= new LoadOptions();
        var warnings = new List<string>();
        if (weights is null)
            return new LoadedModel(new VisionTransformer(Override(preset, options, preset.NumClasses)), null, warnings);

        var raw = CheckpointFile.Read(weights);
        try
        {
            var remapped = CheckpointLayouts.Remap(raw, weights);
            var fromCkpt = remapped.Apply(preset);          // the checkpoint's own architecture
            var config = Override(fromCkpt, options, fromCkpt.NumClasses);
            var model = new VisionTransformer(config);
            try
            {
                LoadStrict(model, fromCkpt, remapped, weights, warnings, options.KeepFloat64);
                return new LoadedModel(model, remapped.Layout, warnings);
            }
            catch { model.Dispose(); throw; }
        }
        finally
        {
            foreach (var t in raw.Values) t.Dispose();
        }
    }

    static ModelConfig Override(ModelConfig c, LoadOptions o, int classes) => (c with
    {
        NumClasses = o.NumClasses ?? classes,
        Frames = o.Frames ?? c.Frames,
        ImageSize = o.ImageSize ?? c.ImageSize,
        DropPathRate = o.DropPath ?? c.DropPathRate,
    }).Validate();

    static void LoadStrict(VisionTransformer model, ModelConfig ckptConfig, Remapped src, string path, List<string> warnings, bool keepFloat64)
    {
        var config = model.Config;
        // Asked for (a --precision float64 run), a float64 checkpoint gives a float64 model, so a resume continues without
        // rounding. Before state_dict: converting replaces the parameter tensors.
        var floating = src.State.Values.Where(t => t.is_floating_point()).ToList();
        if (keepFloat64 && floating.Count > 0 && floating.All(t => t.dtype == ScalarType.Float64)) model.to(ScalarType.Float64);
        var target = model.state_dict();
        // Learned positions of another grid are resampled to the model's, which the user asked for with --frames/--size.
        var state = new Dictionary<string, Tensor>(src.State);
        var disposeAfter = new List<Tensor>();
        if (state.TryGetValue("pos_embed", out var pos) && target.TryGetValue("pos_embed", out var want)
            && !pos.shape.SequenceEqual(want.shape) && pos.dim() == 3 && pos.shape[2] == want.shape[2])
        {
            state["pos_embed"] = PositionEmbedding.Resample(pos, config.ClsToken ? 1 : 0,
                (ckptConfig.GridT, ckptConfig.GridHW, ckptConfig.GridHW), (config.GridT, config.GridHW, config.GridHW));
            disposeAfter.Add(state["pos_embed"]);
            warnings.Add($"position embeddings resampled from {ckptConfig.Frames}x{ckptConfig.ImageSize}² to {config.Frames}x{config.ImageSize}²");
        }
        // Tolerated: the model's head keys at another class count (any shape: re-initialised below), and the keys a layout
        // may lack (initialised fresh). A head key the file lacks is still missing, and one the model has not still unexpected.
        bool NewHead(string key) => key.StartsWith("head.") && config.NumClasses != ckptConfig.NumClasses && target.ContainsKey(key);
        var fresh = target.Keys.Where(k => !state.ContainsKey(k) && src.MayBeMissing.Contains(k)).ToList();
        var required = target.Where(kv => !(NewHead(kv.Key) && state.ContainsKey(kv.Key)) && !fresh.Contains(kv.Key)).ToList();
        var mismatch = KeyMismatch.Between(required, state, mayAlsoHold: NewHead);
        if (!mismatch.Fits)
        {
            foreach (var t in disposeAfter) t.Dispose();
            throw new InvalidDataException($"{path}: {src.Layout} checkpoint does not fit model {config.Name} ({config.EmbedDim} wide, depth {config.Depth}): {mismatch}");
        }
        var plan = required.Select(kv => (To: kv.Value, From: state[kv.Key])).ToList();

        using (no_grad())
            foreach (var (to, from) in plan) to.copy_(from);
        foreach (var t in disposeAfter) t.Dispose();

        if (config.NumClasses != ckptConfig.NumClasses && ckptConfig.NumClasses > 0 && src.State.ContainsKey("head.weight"))
        {
            model.ResetHead(config.NumClasses);
            warnings.Add($"head re-initialised for {config.NumClasses} classes (the checkpoint's head has {ckptConfig.NumClasses}); trunc_normal(0.02) × init_scale {config.InitScale}");
        }
        if (fresh.Count > 0)
            warnings.Add($"{src.Layout} checkpoint has no {string.Join(", ", fresh)}: initialised fresh (fine-tuning start)");
    }
}
