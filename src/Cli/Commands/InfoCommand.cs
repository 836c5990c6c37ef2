using System.CommandLine;
using System.Diagnostics;
using TorchSharp;
using VideoVCReg.Cli.Hosting;
using static TorchSharp.torch;

namespace VideoVCReg.Cli.Commands;

/// <summary>`videovcreg info`: what this installation can do (torch, device, threads), checked by computing.</summary>
public static class InfoCommand
{
    public static Command Build()
    {
        var cmd = new Command("info", "Show the runtime: TorchSharp, libtorch, chosen device, threads; runs a small matmul to prove it computes");
        Verb.SetAction(cmd, ctx =>
        {
            var device = ctx.Device;
            Console.WriteLine($"TorchSharp      {typeof(torch).Assembly.GetName().Version}");
            Console.WriteLine($"libtorch        {torch.__version__}");
            Console.WriteLine($"CUDA available  {torch.cuda.is_available()}");
            Console.WriteLine($"device          {device}");
            Console.WriteLine($"threads         {torch.get_num_threads()}");
            using (no_grad())
            {
                const int n = 1024;
                var a = randn(n, n, device: device);
                var b = randn(n, n, device: device);
                (a.matmul(b)).sum().item<float>(); // warm-up
                var sw = Stopwatch.StartNew();
                const int reps = 5;
                for (int i = 0; i < reps; i++) a.matmul(b).sum().item<float>();
                double gflops = 2.0 * n * n * n * reps / sw.Elapsed.TotalSeconds / 1e9;
                Console.WriteLine($"matmul {n}²      {gflops:F1} GFLOP/s");
            }
            return Task.FromResult(0);
        });
        return cmd;
    }
}
