using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Experiment;
using VideoVCReg.Experiment.Video;
using VideoVCReg.FineTune;
using VideoVCReg.Models;
using VideoVCReg.Models.Checkpoints;
using VideoVCReg.Models.Regularization;

namespace VideoVCReg.Cli.Commands;

/// <summary>
/// `finetune` as the experiment layer sees it: the HMDB51-layout splits as the data source, the preset (with
/// any starting weights) as the model factory, and the options bound from the command line and configuration.
/// </summary>
sealed class FineTuneRun(VerbContext ctx, string modelName, string? weights, string? presets, int? frames, int? size, string outDir, bool force = false, bool skipTest = false)
{
    public int Execute()
    {
        var loggers = ctx.Services.GetRequiredService<ILoggerFactory>();
        var log = loggers.CreateLogger("finetune");
        var train = ctx.Options<TrainOptions>();
        var data = ctx.Options<DataOptions>();
        var reg = ctx.Options<RegularizerOptions>();
        var problems = train.Problems().Concat(data.Problems()).Concat(reg.Problems()).ToList();
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems));
        var preset = ModelPresets.Get(modelName, presets);
        int seed = (int)ctx.Runtime.Seed;
        var source = new VideoSplits(data, outDir, seed, loggers.CreateLogger("loader"));
        var runner = new ExperimentRunner(new ExperimentOptions
        {
            OutDir = outDir, Force = force, SkipTest = skipTest, Train = train, Regularizer = reg, Seed = seed, Device = ctx.Device,
            Title = $"{preset.Name}{(weights is null ? " (random weights)" : "")}, {reg.Kind} at {reg.Placement}, noise σ {data.Noise.ToString(CultureInfo.InvariantCulture)}, {data.TestClips}×{data.TestCrops} views",
            Settings = new Dictionary<string, object?>
            {
                ["model"] = modelName, ["weights"] = weights, ["frames"] = frames, ["size"] = size,
                ["views"] = new { data.SamplingRate, data.ValidationShare, data.Noise, data.TestClips, data.TestCrops, data.SynthClasses, data.SynthVideosPerClass, data.SceneColourJitter,
                    data.Flip, data.RandAugment, data.CropMinArea },
            },
            ResultFields = new Dictionary<string, object?>
            {
                ["weights"] = weights, ["data"] = source.Root, ["noise"] = data.Noise, ["test_views"] = $"{data.TestClips}x{data.TestCrops}",
            },
        }, loggers, ctx.Cancel);
        runner.Run(source, (classes, from) => Build(preset, from ?? weights, new LoadOptions(classes, frames, size, train.DropPath), log));
        return 0;
    }

    /// <summary>The preset with its weights (any supported layout, or random), loader warnings logged.</summary>
    internal static BuiltModel Build(ModelConfig preset, string? weights, LoadOptions options, ILogger log)
    {
        var loaded = PretrainedLoader.Load(preset, weights, options);
        foreach (var w in loaded.Warnings) log.LogWarning("{Warning}", w);
        return new BuiltModel(loaded.Model, loaded.Model.Config.Name, loaded.Layout?.ToString() ?? "random weights");
    }
}
