using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace VideoVCReg.Cli.Bench;

/// <summary>The GEMM peak that `bench model` and `bench vcreg` measure their kernels against, in the same run.</summary>
public static class MatmulPeak
{
    /// <summary>
    /// The machine's attainable GEMM rate: the best of several 4096² products (the best, not the mean, so
    /// a busy moment cannot make the model look faster than the peak).
    /// </summary>
    public static double Gflops(Device device)
    {
        using var scope = NewDisposeScope();
        const int n = 4096;
        var a = randn(n, n, device: device);
        var b = randn(n, n, device: device);
        a.matmul(b).Dispose(); // warm-up
        double best = double.MaxValue;
        for (int i = 0; i < 8; i++)
        {
            if (device.type == DeviceType.CUDA) cuda.synchronize();
            var sw = Stopwatch.StartNew();
            using var c = a.matmul(b);
            if (device.type == DeviceType.CUDA) cuda.synchronize();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return 2.0 * n * n * n / best / 1e9;
    }
}
