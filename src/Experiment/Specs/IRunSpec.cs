using VideoVCReg.FineTune;
using VideoVCReg.Models.Regularization;

namespace VideoVCReg.Experiment.Specs;

/// <summary>What every spec that trains has, so the experiment layer can check that the run it is given is the spec it records.</summary>
public interface IRunSpec
{
    TrainOptions Train { get; }
    RegularizerOptions Regularizer { get; }
    long Seed { get; }
}
