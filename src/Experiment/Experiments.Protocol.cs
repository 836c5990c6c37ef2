using Microsoft.Extensions.Logging;
using VideoVCReg.Experiment.Images;
using VideoVCReg.Experiment.Protocols;
using VideoVCReg.Experiment.Specs;
using VideoVCReg.Models.Image;

namespace VideoVCReg.Experiment;

/// <summary>The image protocols' entry: `protocol transfer|long-tail|hierarchical` comes here.</summary>
public static partial class Experiments
{
    /// <summary>
    /// The spec's protocol (<see cref="ImageProtocols"/>): a pretraining per row and seed, then the probes or the tests, then
    /// the table, also written to OUT/&lt;protocol&gt;.md, .csv and _summary.csv.
    /// </summary>
    public static SeededTable Run(ProtocolSpec spec, ILoggerFactory loggers, CancellationToken cancel)
    {
        if (spec.Protocol == ProtocolSpec.Transfer)
            foreach (var s in spec.Downstream) if (ImageSources.MissingFolder(s) is string missing) throw new DirectoryNotFoundException($"{missing} (--downstream)");
        var selection = spec.Selection();
        var protocols = new ImageProtocols(new ProtocolOptions
        {
            Preset = ImagePresets.Get(spec.Arch, spec.ArchPresets), Regularizers = spec.Regularizers, Seeds = spec.Seeds, Selection = selection.Any ? selection : null,
            ProbeSolver = spec.Solver, Workers = spec.Data.Workers, Recipe = spec.Data.Images(), Probe = spec.Probe(),
            Objective = spec.Objective, Projector = spec.Projector, Temperature = spec.Temperature,
            Pretrain = new ExperimentOptions
            {
                OutDir = spec.OutDir, Force = spec.Force, Train = spec.Train, Regularizer = spec.Regularizer, Seed = (int)spec.Seed,
                Device = VideoVCReg.Runtime.TorchDevice.Resolve(spec.Device),
            },
        }, loggers, cancel);
        return spec.Protocol switch
        {
            ProtocolSpec.Transfer => protocols.Transfer(spec.Source, spec.Downstream),
            ProtocolSpec.LongTail => protocols.LongTail(spec.Source, spec.Imbalance),
            ProtocolSpec.Hierarchical => protocols.Hierarchical(spec.Source),
            _ => throw new ArgumentException($"the protocol must be one of {string.Join(", ", ProtocolSpec.Protocols)} (got '{spec.Protocol}')"),
        };
    }
}
