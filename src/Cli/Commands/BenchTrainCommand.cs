using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using TorchSharp;
using VideoVCReg.Cli.Bench;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Models.Image;
using VideoVCReg.Models.Regularization;

namespace VideoVCReg.Cli.Commands;

/// <summary>
/// `videovcreg bench train`: one image training step, with and without fast VCReg at the preset's placement, against the
/// same architecture in Debian's PyTorch (bench/torch_train.py) in the same run; ratios and the share of the GEMM peak.
/// </summary>
public static class BenchTrainCommand
{
    public static Command Build()
    {
        var arch = new Option<string>("--arch") { Description = $"Image preset: {string.Join(", ", ImagePresets.Architectures)}", DefaultValueFactory = _ => "resnet32" };
        arch.AcceptOnlyFromAmong(ImagePresets.Architectures);
        var size = new Option<int?>("--size") { Description = "Image side (default: 32 for resnet32, 64 for convnext-atto, else the preset's)" };
        var batch = new Option<int?>("--batch") { Description = "Batch (default: 256 for resnet32, 64 for convnext-atto, else 32)" };
        var rounds = new Option<int>("--rounds") { Description = "Measured rounds per variant (median reported)", DefaultValueFactory = _ => 5 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table" };
        var noTorch = new Option<bool>("--no-pytorch") { Description = "Skip the PyTorch side" };
        var cmd = new Command("train", "One image training step (forward, backward, AdamW) with and without fast VCReg, against PyTorch in the same run")
        {
            arch, size, batch, rounds, json, noTorch,
        };
        RegularizerCliOptions.AddTo(cmd, all: false);
        Verb.SetAction(cmd, ctx =>
        {
            var preset = ImagePresets.Get(ctx.Parse.GetValue(arch)!);
            var (defaultSize, defaultBatch) = TrainStepBench.Defaults(preset);
            int s = ctx.Parse.GetValue(size) ?? defaultSize, b = ctx.Parse.GetValue(batch) ?? defaultBatch, r = ctx.Parse.GetValue(rounds);
            if (s < 8 || s > 1024) throw new ArgumentException($"--size must be in 8..1024 (got {s})");
            if (b < 2 || b > 4096) throw new ArgumentException($"--batch must be in 2..4096 (got {b})");
            if (r < 1 || r > 1000) throw new ArgumentException($"--rounds must be in 1..1000 (got {r})");
            if (preset.Arch == "vit-b32" && s != preset.InputSize) throw new ArgumentException($"--size: vit-b32 is built for {preset.InputSize}² (got {s})");
            var reg = ctx.Options<RegularizerOptions>();
            if (reg.Problems() is { Count: > 0 } problems) throw new ArgumentException(string.Join("; ", problems));
            var device = ctx.Device;
            // Debian's torch has no CUDA: its side would time a CPU against our GPU.
            if (device.type == DeviceType.CUDA && !ctx.Parse.GetValue(noTorch))
                throw new ArgumentException("bench train on a GPU: the PyTorch peer runs on the CPU only (Debian's torch); pass --no-pytorch");
            double peak = MatmulPeak.Gflops(device);
            bool quiet = ctx.Parse.GetValue(json) || Console.IsErrorRedirected;
            var ours = TrainStepBench.Run(preset, s, b, r, warmup: 2, reg.ToVcReg(), device, ctx.Cancel, line => { if (!quiet) Console.Error.Write($"\r{line}".PadRight(60)); });
            if (!quiet) Console.Error.WriteLine();
            Dictionary<string, double>? torchTimes = null;
            int torchSites = 0;
            if (!ctx.Parse.GetValue(noTorch))
                (torchTimes, torchSites) = PyTorch(preset.Arch, s, b, r, reg, torch.get_num_threads(), ctx.Cancel);
            var result = new Dictionary<string, object?>
            {
                ["arch"] = preset.Arch, ["size"] = s, ["batch"] = b, ["rounds"] = r, ["device"] = device.ToString(), ["threads"] = torch.get_num_threads(),
                ["sites"] = ours.Sites, ["matmul_gflops"] = peak, ["step_gflop"] = ours.StepGflop, ["median_s"] = ours.MedianSeconds,
                ["fast_over_identity"] = ours.MedianSeconds["fast"] / ours.MedianSeconds["identity"],
                ["share_of_peak"] = ours.MedianSeconds.ToDictionary(kv => kv.Key, kv => ours.StepGflop / kv.Value / peak),
            };
            if (torchTimes is not null)
            {
                result["pytorch_median_s"] = torchTimes;
                result["pytorch_sites"] = torchSites;
                result["pytorch_fast_over_identity"] = torchTimes["fast"] / torchTimes["identity"];
                // Above 1: ours is faster.
                result["speed_ratio"] = ours.MedianSeconds.ToDictionary(kv => kv.Key, kv => torchTimes[kv.Key] / kv.Value);
            }
            if (ctx.Parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(result));
            else Print(result, ours, torchTimes);
            return Task.FromResult(0);
        });
        return cmd;
    }

    static (Dictionary<string, double> Times, int Sites) PyTorch(string arch, int size, int batch, int rounds, RegularizerOptions reg, int threads, CancellationToken cancel)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "bench", "torch_train.py");
        if (!File.Exists(script)) throw new FileNotFoundException($"{script}: PyTorch peer script not found (rebuild, or pass --no-pytorch)");
        if (!File.Exists("/usr/bin/python3")) throw new InvalidOperationException("/usr/bin/python3 not found: install python3-torch and python3-torchvision (or pass --no-pytorch)");
        var inv = CultureInfo.InvariantCulture;
        var output = ExternalProcess.Run("/usr/bin/python3",
            [script, "--arch", arch, "--size", $"{size}", "--batch", $"{batch}", "--rounds", $"{rounds}", "--threads", $"{threads}",
             "--alpha", reg.Alpha.ToString("R", inv), "--beta", reg.Beta.ToString("R", inv), "--scaling", reg.Scaling], cancel);
        using var doc = JsonDocument.Parse(output);
        return (doc.RootElement.GetProperty("median_s").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble()),
            doc.RootElement.GetProperty("sites").GetInt32());
    }

    static void Print(Dictionary<string, object?> r, TrainStepBench.Result ours, Dictionary<string, double>? py)
    {
        string F(double v, string f = "F3") => v.ToString(f, CultureInfo.InvariantCulture);
        Console.WriteLine($"{r["arch"]} at {r["size"]}², batch {r["batch"]}, {r["device"]}, {r["threads"]} threads, median of {r["rounds"]} rounds; fast VCReg at {ours.Sites} sites");
        Console.WriteLine($"matmul 4096² (best of 8): {F((double)r["matmul_gflops"]!, "F0")} GFLOP/s; step: {F(ours.StepGflop, "F1")} GFLOP (convolutions and linear layers, ×3)");
        Console.WriteLine($"{"variant",-9} {"ours s",8} {"% peak",7} {"torch s",8} {"torch/ours",11}");
        foreach (var v in TrainStepBench.Variants)
        {
            double t = ours.MedianSeconds[v];
            Console.WriteLine($"{v,-9} {F(t),8} {F(100 * ours.StepGflop / t / (double)r["matmul_gflops"]!, "F0") + "%",7} {(py is null ? "-" : F(py[v])),8} {(py is null ? "-" : F(py[v] / t, "F2")),11}");
        }
        Console.WriteLine($"fast/identity: ours {F((double)r["fast_over_identity"]!)}{(py is null ? "" : $", PyTorch {F(py["fast"] / py["identity"])}")}");
    }
}
