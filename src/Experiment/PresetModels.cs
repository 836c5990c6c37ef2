using Microsoft.Extensions.Logging;
using VideoVCReg.Models;
using VideoVCReg.Models.Checkpoints;

namespace VideoVCReg.Experiment;

/// <summary>The model factory of the video verbs: a preset with its weights, whatever their layout (or random).</summary>
public static class PresetModels
{
    /// <summary>The preset with its weights (any supported layout, or random), loader warnings logged.</summary>
    public static BuiltModel Build(ModelConfig preset, string? weights, LoadOptions options, ILogger log)
    {
        var loaded = PretrainedLoader.Load(preset, weights, options);
        foreach (var w in loaded.Warnings) log.LogWarning("{Warning}", w);
        return new BuiltModel(loaded.Model, loaded.Model.Config.Name, loaded.Layout?.ToString() ?? "random weights");
    }
}
