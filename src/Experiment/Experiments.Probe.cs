using Microsoft.Extensions.Logging;
using VideoVCReg.Experiment.Images;
using VideoVCReg.Experiment.Probe;
using VideoVCReg.Experiment.Specs;
using VideoVCReg.Models.Image;

namespace VideoVCReg.Experiment;

/// <summary>The linear probe's entry: `probe` comes here.</summary>
public static partial class Experiments
{
    /// <summary>Features of the frozen backbone on the downstream training and test sets, then the probe; its report (also report.json in the folder).</summary>
    public static ProbeReport Run(ProbeSpec spec, ILoggerFactory loggers, CancellationToken cancel)
    {
        var preset = ImagePresets.Get(spec.Arch, spec.ArchPresets);
        var start = spec.Weights;
        if (start is not null && !File.Exists(start)) throw new FileNotFoundException($"{start}: file not found", start);
        var run = spec with { Probe = spec.Probe with { Device = VideoVCReg.Runtime.TorchDevice.Resolve(spec.Device) } };
        var log = loggers.CreateLogger("probe");
        var source = ImageSources.Create(spec.Source, preset, coarse: spec.Labels == "coarse", workers: spec.Workers, log: log);
        var runner = new ProbeRunner(run, preset, loggers, cancel);
        return runner.Run(source, ImageBackbone.Factory(preset, start, log), $"{preset.Name} ({start ?? "random weights"}) probed on {source.Description}, {spec.Probe.Solver}");
    }
}
