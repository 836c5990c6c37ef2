using TorchSharp;
using TorchSharp.Modules;
using VideoVCReg.Runtime.Distributed;
using static TorchSharp.torch;

namespace VideoVCReg.Models.Norms;

/// <summary>
/// Batch norm over axis 1 of any input of two or more axes (BatchNorm1d and BatchNorm2d alike), with PyTorch's keys
/// (weight, bias, running_mean, running_var, num_batches_tracked) and arithmetic (<c>F.batch_norm</c>). Ours rather than
/// TorchSharp's modules so that one switch, <see cref="Group"/>, makes it SyncBatchNorm in a data-parallel run: the
/// statistics of the training batch over every rank's samples (<see cref="SyncBatchNormFunction"/>).
/// </summary>
public sealed class BatchNorm : nn.Module<Tensor, Tensor>
{
    // Field names are the state_dict keys: TorchSharp re-points fields by name when the module moves or casts.
    readonly Parameter weight, bias;
    Tensor running_mean, running_var, num_batches_tracked;
    readonly double momentum, eps;

    public BatchNorm(long features, double eps = 1e-5, double momentum = 0.1) : base(nameof(BatchNorm))
    {
        (this.eps, this.momentum) = (eps, momentum);
        weight = new Parameter(ones(features));
        bias = new Parameter(zeros(features));
        running_mean = zeros(features);
        running_var = ones(features);
        num_batches_tracked = tensor(0L);
        RegisterComponents();
    }

    public long Features => weight.shape[0];

    /// <summary>The ranks whose samples one training batch's statistics span; null or one rank: this process's batch only.</summary>
    public ProcessGroup? Group { get; set; }

    public override Tensor forward(Tensor x)
    {
        if (x.dim() < 2 || x.shape[1] != Features)
            throw new ArgumentException($"batch norm over {Features} features got an input of shape [{string.Join(", ", x.shape)}]");
        if (training)
        {
            using (no_grad()) num_batches_tracked.add_(1);
            if (Group is { Size: > 1 } group)
                return SyncBatchNormFunction.Apply(x, weight, bias, running_mean, running_var, momentum, eps, group);
        }
        return nn.functional.batch_norm(x, running_mean, running_var, weight, bias, training, momentum, eps);
    }

    /// <summary>Sets <see cref="Group"/> on every batch norm of <paramref name="model"/> (PyTorch's convert_sync_batchnorm); returns how many.</summary>
    public static int Synchronise(nn.Module model, ProcessGroup? group)
    {
        int count = 0;
        foreach (var (_, m) in model.named_modules())
        {
            if (m is BatchNorm bn) { bn.Group = group; count++; }
            else if (m is BatchNorm1d or BatchNorm2d or BatchNorm3d)
                throw new NotSupportedException($"{model.GetName()}: holds TorchSharp's {m.GetType().Name}, which cannot synchronise; build it with Models.Norms.BatchNorm");
        }
        return count;
    }
}
