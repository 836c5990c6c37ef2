using TorchSharp;
using static TorchSharp.torch;

namespace VideoVCReg.Runtime.Distributed;

/// <summary>
/// SyncBatchNorm's training step (PyTorch's <c>nn.SyncBatchNorm</c>): batch norm with the mean and biased variance of
/// every rank's samples. Forward: two all-reduces, (n, Σx) then Σ(x − μ)² about the global mean (the single-process
/// arithmetic, no Σx² − nμ² cancellation); the running statistics take the global mean and unbiased variance. Backward:
/// one all-reduce of (Σdy, Σdy·x̂), so dx = w·invstd·(dy − Σdy/n − x̂·Σdy·x̂/n) is the gradient of the sum of every rank's loss;
/// the weight's and bias's gradients stay this rank's share, as PyTorch's, for the loop's average to combine.
/// Every rank calls these collectives in the same order because every rank runs the same graph (docs/ARCHITECTURE.md).
/// </summary>
public sealed class SyncBatchNormFunction : autograd.SingleTensorFunction<SyncBatchNormFunction>
{
    public override string Name => "SyncBatchNormFunction";

    public static Tensor Apply(Tensor x, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar, double momentum, double eps, ProcessGroup group) =>
        apply(x, weight, bias, runningMean, runningVar, momentum, eps, group);

    /// <summary>The sizes that broadcast a per-channel vector against <paramref name="x"/>: [1, C, 1, …].</summary>
    static long[] ChannelShape(Tensor x) => [.. Enumerable.Range(0, (int)x.dim()).Select(i => i == 1 ? x.shape[1] : 1L)];
    static long[] ReducedAxes(Tensor x) => [.. Enumerable.Range(0, (int)x.dim()).Where(i => i != 1).Select(i => (long)i)];

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (x, weight, bias, runningMean, runningVar) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], (Tensor)vars[3], (Tensor)vars[4]);
        var (momentum, eps, group) = ((double)vars[5], (double)vars[6], (ProcessGroup)vars[7]);
        using var scope = NewDisposeScope();
        var (shape, axes) = (ChannelShape(x), ReducedAxes(x));
        long local = x.numel() / x.shape[1];
        var sums = cat([tensor(new double[] { local }, device: x.device), x.sum(axes).to_type(ScalarType.Float64)]);
        group.AllReduceSum(sums);
        double n = sums[0].ToDouble();
        if (n < 2) throw new ArgumentException($"batch norm in training needs more than one value per channel over all ranks (got {n})");
        var mean = sums[1..].div(n).to_type(x.dtype);
        var xc = x - mean.view(shape);
        var squares = xc.pow(2).sum(axes).to_type(ScalarType.Float64);
        group.AllReduceSum(squares);
        var variance = squares.div(n).to_type(x.dtype);
        var invstd = variance.add(eps).rsqrt();
        var xhat = xc.mul(invstd.view(shape));
        runningMean.mul_(1 - momentum).add_(mean, alpha: momentum);
        runningVar.mul_(1 - momentum).add_(variance * (n / (n - 1)), alpha: momentum);
        ctx.save_for_backward([xhat.MoveToOuterDisposeScope(), invstd.MoveToOuterDisposeScope(), weight]);
        ctx.save_data("n", n);
        ctx.save_data("group", group);
        return xhat.mul(weight.view(shape)).add_(bias.view(shape)).MoveToOuterDisposeScope();
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor dy)
    {
        var saved = ctx.get_saved_variables();
        var (xhat, invstd, weight) = (saved[0], saved[1], saved[2]);
        double n = (double)ctx.get_data("n");
        var group = (ProcessGroup)ctx.get_data("group");
        try
        {
            using var scope = NewDisposeScope();
            var (shape, axes) = (ChannelShape(xhat), ReducedAxes(xhat));
            var sumDy = dy.sum(axes);
            var sumDyXhat = dy.mul(xhat).sum(axes);
            var both = cat([sumDy, sumDyXhat]).to_type(ScalarType.Float64);
            group.AllReduceSum(both);
            long c = sumDy.shape[0];
            var meanDy = both[..(int)c].div(n).to_type(dy.dtype).view(shape);
            var meanDyXhat = both[(int)c..].div(n).to_type(dy.dtype).view(shape);
            var dx = (dy - meanDy - xhat * meanDyXhat).mul_(weight.mul(invstd).view(shape));
            return [dx.MoveToOuterDisposeScope(), sumDyXhat.MoveToOuterDisposeScope(), sumDy.MoveToOuterDisposeScope(), null!, null!, null!, null!, null!];
        }
        catch (Exception e)
        {
            BackwardFailure.Record(e);
            return [zeros_like(xhat), null!, null!, null!, null!, null!, null!, null!];
        }
    }
}
