using System.Globalization;
using Microsoft.Extensions.Logging;
using VideoVCReg.Experiment.Images;
using VideoVCReg.Experiment.Probe;
using VideoVCReg.Experiment.Specs;
using VideoVCReg.Experiment.Video;
using VideoVCReg.Models;
using VideoVCReg.Models.Checkpoints;
using VideoVCReg.Models.Image;

namespace VideoVCReg.Experiment;

/// <summary>What an analysis measured: the data's description and each backbone's metrics (also report.json in the folder).</summary>
public sealed record Analysis(string Data, IReadOnlyList<AnalyzedWeights> Runs);

/// <summary>The representation analysis' entry: `analyze` comes here.</summary>
public static partial class Experiments
{
    /// <summary>
    /// CDNV, nearest class-centre accuracy and the feature spectrum of each backbone: an image preset on image data, or a video
    /// preset on one centred view per training and test video of one split.
    /// </summary>
    public static Analysis Run(AnalyzeSpec spec, ILoggerFactory loggers, CancellationToken cancel)
    {
        IDataSource source;
        Func<string?, ModelFactory> factory;
        if (spec.Arch is not null)
        {
            var preset = ImagePresets.Get(spec.Arch, spec.ArchPresets);
            source = ImageSources.Create(spec.Source ?? CifarSource.Synthetic, preset, coarse: spec.Labels == "coarse", workers: spec.Data.Workers, log: loggers.CreateLogger("data"));
            factory = weights => ImageBackbone.Factory(preset, weights);
        }
        else
        {
            var log = loggers.CreateLogger("analyze");
            var preset = ModelPresets.Get(spec.Model!, spec.Presets);
            var data = spec.VideoData;
            source = new VideoSplits(data with { Split = data.Folds()[0].ToString(CultureInfo.InvariantCulture) }, spec.OutDir, (int)spec.Seed, loggers.CreateLogger("data"));
            factory = weights => (classes, _) => PresetModels.Build(preset, weights, new LoadOptions(classes, spec.Frames, spec.Size), log);
        }
        IReadOnlyList<(string?, ModelFactory)> backbones = spec.Weights.Count == 0 ? [(null, factory(null))] : [.. spec.Weights.Select(f => ((string?)f, factory(f)))];
        var runs = new AnalyzeRunner(spec.OutDir, spec.Force, VideoVCReg.Runtime.TorchDevice.Resolve(spec.Device), (int)spec.Seed, loggers, cancel)
            .Run(source, backbones, spec.SaveFeatures);
        return new Analysis(source.Description, runs);
    }
}
