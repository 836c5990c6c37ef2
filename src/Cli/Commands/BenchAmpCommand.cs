using System.CommandLine;
using System.Text.Json;
using VideoVCReg.Cli.Bench;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Runtime;

namespace VideoVCReg.Cli.Commands;

/// <summary>`videovcreg bench amp`: a training step with --amp (bfloat16 autocast) against float32, and how close the two are.</summary>
public static class BenchAmpCommand
{
    public static Command Build()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object: network → {input, float32_s, amp_s, speedup, logits_rel_error, gradient_cosine}" };
        var batch = new Option<int?>("--batch") { Description = "Batch size (default 8 on CPU, 64 on GPU)" };
        var size = new Option<int?>("--size") { Description = "Input side in pixels (default: each preset's; videomae-s 224)" };
        var frames = new Option<int>("--frames") { Description = "videomae-s clip length", DefaultValueFactory = _ => 16 };
        var dtype = new Option<string>("--dtype") { Description = "--amp's type: bfloat16 or float16 (no loss scaling in this single step)", DefaultValueFactory = _ => "bfloat16" };
        dtype.AcceptOnlyFromAmong(FineTune.TrainOptions.AmpDtypes);
        var rounds = new Option<int>("--rounds") { Description = "Measured steps each way (median reported)", DefaultValueFactory = _ => 3 };
        var networks = new Option<string[]>("--networks")
        {
            Description = $"Networks: {string.Join(", ", AmpBench.Networks)}", DefaultValueFactory = _ => ["resnet50", "convnext-t", "vit-b32"],
            AllowMultipleArgumentsPerToken = true,
        };
        var cmd = new Command("amp", "A training step with --amp against float32: speed-up, and the logits' and gradients' distance from float32's") { json, batch, size, frames, rounds, networks, dtype };
        Verb.SetAction(cmd, ctx =>
        {
            var device = ctx.Device;
            int b = ctx.Parse.GetValue(batch) ?? (device.type == TorchSharp.DeviceType.CUDA ? 64 : 8);
            int r = ctx.Parse.GetValue(rounds), t = ctx.Parse.GetValue(frames);
            if (b < 1 || r < 1 || t < 2 || ctx.Parse.GetValue(size) is < 16) throw new ArgumentException("--batch and --rounds must be ≥ 1, --frames ≥ 2, --size ≥ 16");
            var unknown = ctx.Parse.GetValue(networks)!.Where(n => !AmpBench.Networks.Contains(n)).ToList();
            if (unknown.Count > 0) throw new ArgumentException($"--networks: unknown {string.Join(", ", unknown)} (known: {string.Join(", ", AmpBench.Networks)})");
            var results = ctx.Parse.GetValue(networks)!.Select(n => AmpBench.Run(n, device, b, ctx.Parse.GetValue(size), t, r, ctx.Cancel,
                ctx.Parse.GetValue(dtype) == "float16" ? TorchSharp.torch.ScalarType.Float16 : TorchSharp.torch.ScalarType.BFloat16)).ToList();
            string isa = Environment.GetEnvironmentVariable(OneDnnIsa.Variable) ?? "";
            if (ctx.Parse.GetValue(json))
            {
                var obj = results.ToDictionary(x => x.Network, x => (object)new
                {
                    input = x.Input, batch = x.Batch, rounds = x.Rounds, float32_s = x.Float32Seconds, amp_s = x.AmpSeconds, speedup = x.Speedup,
                    logits_rel_error = x.LogitsRelativeError, gradient_cosine = x.GradientCosine,
                });
                obj["device"] = device.ToString();
                obj["dtype"] = ctx.Parse.GetValue(dtype)!;
                obj["onednn_max_cpu_isa"] = isa;
                Console.WriteLine(JsonSerializer.Serialize(obj));
                return Task.FromResult(0);
            }
            Console.WriteLine($"device {device}{(isa.Length > 0 ? $", {OneDnnIsa.Variable}={isa}" : "")}, a training step (forward + backward), median of {r}");
            Console.WriteLine($"{"network",-14} {"input",-16} {"float32",9} {"--amp",9} {"speed-up",9} {"logits err",11} {"grad cos",9}");
            foreach (var x in results)
                Console.WriteLine($"{x.Network,-14} {x.Input,-16} {x.Float32Seconds,8:F3}s {x.AmpSeconds,8:F3}s {x.Speedup,9:F2} {x.LogitsRelativeError,11:E2} {x.GradientCosine,9:F5}");
            return Task.FromResult(0);
        });
        return cmd;
    }
}
