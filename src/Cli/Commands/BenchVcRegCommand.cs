using System.CommandLine;
using System.Text.Json;
using VideoVCReg.Cli.Bench;
using VideoVCReg.Cli.Hosting;

namespace VideoVCReg.Cli.Commands;

/// <summary>`videovcreg bench vcreg`: the paper's Table 8 on this machine.</summary>
public static class BenchVcRegCommand
{
    public static Command Build()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object: network → {inserted_layers, median_s, ratios, layers_only_s}" };
        var batch = new Option<int?>("--batch") { Description = "Batch size (default 8 on CPU, 128 on GPU, as in the paper)" };
        var siteKind = new Option<string>("--sites") { Description = "Where the layer is inserted: blocks (every block, Table 8; default) or downsample (the downsampling layers: ResNet-50's 3 projection shortcuts, ConvNeXt's 3)", DefaultValueFactory = _ => "blocks" };
        var profile = new Option<bool>("--profile") { Description = "Instead of the ratios: each site's block forward/backward and inserted layer forward/backward inside the whole step, per variant (median of --rounds)" };
        var rounds = new Option<int>("--rounds") { Description = "Measured rounds per variant (median reported)", DefaultValueFactory = _ => 5 };
        var networks = new Option<string[]>("--networks")
        {
            Description = "Networks to measure: vit_b_32, convnext_tiny, resnet50 (16 blocks)", DefaultValueFactory = _ => ["vit_b_32", "convnext_tiny"], AllowMultipleArgumentsPerToken = true,
        };
        var cmd = new Command("vcreg", "Table 8: forward+backward time with identity, naive VCReg, fast VCReg and BatchNorm inserted after every block of ViT-B/32 (12) and ConvNeXt-T (18)")
        {
            json, batch, rounds, networks, siteKind, profile,
        };
        RegularizerCliOptions.AddTo(cmd, all: false);
        Verb.SetAction(cmd, ctx =>
        {
            var device = ctx.Device;
            var vcreg = ctx.Options<Models.Regularization.RegularizerOptions>();
            if (vcreg.Problems() is { Count: > 0 } problems) throw new ArgumentException(string.Join("; ", problems));
            int b = ctx.Parse.GetValue(batch) ?? (device.type == TorchSharp.DeviceType.CUDA ? 128 : 8);
            int r = ctx.Parse.GetValue(rounds);
            if (b < 2 || r < 1) throw new ArgumentException("--batch must be ≥ 2 and --rounds ≥ 1");
            if (ctx.Parse.GetValue(profile)) return Task.FromResult(Profile(ctx, device, b, r, ctx.Parse.GetValue(networks)!, ctx.Parse.GetValue(siteKind)!, vcreg.ToVcReg(), ctx.Parse.GetValue(json)));
            double peak = Bench.MatmulPeak.Gflops(device);
            var results = new List<VcRegBench.NetworkResult>();
            foreach (var net in ctx.Parse.GetValue(networks)!)
            {
                var res = VcRegBench.Run(net, device, b, r, warmup: 1, vcreg.ToVcReg(), ctx.Cancel,
                    line => { if (!ctx.Parse.GetValue(json) && !Console.IsErrorRedirected) Console.Error.Write($"\r{line}".PadRight(60)); }, ctx.Parse.GetValue(siteKind)!);
                results.Add(res);
            }
            if (!ctx.Parse.GetValue(json) && !Console.IsErrorRedirected) Console.Error.WriteLine();
            if (ctx.Parse.GetValue(json))
            {
                var obj = results.ToDictionary(x => x.Network, x => (object)new
                {
                    device = device.ToString(), batch = x.Batch, rounds = x.Rounds, inserted_layers = x.InsertedLayers,
                    median_s = x.MedianSeconds, ratios = x.Ratios, paired_ratios = x.PairedRatios, layers_only_s = x.LayerSeconds,
                    layers_only_ratios = x.LayerRatios, noncontiguous_sites = VcRegBench.NonContiguousSites(x.Network, device, ctx.Parse.GetValue(siteKind)!),
                    fast_gflop = x.FastGflop, fast_layers_share_of_peak = x.FastGflop / x.FastLayerOwnSeconds / peak,
                    fast_layers_share_of_peak_raw = x.FastGflop / x.LayerSeconds["fast"] / peak,
                });
                obj["peak_gflops"] = peak;
                Console.WriteLine(JsonSerializer.Serialize(obj));
                return Task.FromResult(0);
            }
            Console.WriteLine($"device {device}, batch {b}, median of {r} rounds, forward+backward of the whole network");
            Console.WriteLine($"{"network",-14} {"inserted",8} {"identity",10} {"naive",10} {"fast",10} {"bn",10}   naive/fast");
            foreach (var x in results)
            {
                string Cell(string v) => $"{x.MedianSeconds[v]:F3}s".PadLeft(10);
                Console.WriteLine($"{x.Network,-14} {x.InsertedLayers,8} {Cell("identity")} {Cell("naive")} {Cell("fast")} {Cell("bn")}   {x.MedianSeconds["naive"] / x.MedianSeconds["fast"]:F2}");
                Console.WriteLine($"{"  ratio",-14} {"",8} {x.Ratios["identity"],10:F3} {x.Ratios["naive"],10:F3} {x.Ratios["fast"],10:F3} {x.Ratios["bn"],10:F3}");
                Console.WriteLine($"{"  paired ratio",-14} {"",8} {x.PairedRatios["identity"],10:F3} {x.PairedRatios["naive"],10:F3} {x.PairedRatios["fast"],10:F3} {x.PairedRatios["bn"],10:F3}");
                string Layer(string v) => $"{x.LayerSeconds[v] * 1000:F1}ms".PadLeft(10);
                Console.WriteLine($"{"  layers only",-14} {"",8} {Layer("identity")} {Layer("naive")} {Layer("fast")} {Layer("bn")}   {x.LayerSeconds["naive"] / x.LayerSeconds["fast"]:F2}");
                Console.WriteLine($"{"  1 + layers",-14} {"",8} {x.LayerRatios["identity"],10:F3} {x.LayerRatios["naive"],10:F3} {x.LayerRatios["fast"],10:F3} {x.LayerRatios["bn"],10:F3}");
                Console.WriteLine($"  sites whose output is not a contiguous tensor (timed with those strides): {VcRegBench.NonContiguousSites(x.Network, device, ctx.Parse.GetValue(siteKind)!)} of {x.InsertedLayers}");
                Console.WriteLine($"  fast backward: {x.FastGflop:F2} GFLOP a step, {x.FastGflop / x.FastLayerOwnSeconds:F1} GFLOP/s in the layers' own time (fast − identity) = {100 * x.FastGflop / x.FastLayerOwnSeconds / peak:F0} % of the {peak:F1} GFLOP/s matmul peak ({100 * x.FastGflop / x.LayerSeconds["fast"] / peak:F0} % with the timing harness's own work)");
            }
            return Task.FromResult(0);
        });
        return cmd;
    }

    static int Profile(VerbContext ctx, TorchSharp.torch.Device device, int batch, int rounds, string[] networks, string siteKind, Models.Regularization.VcRegOptions options, bool json)
    {
        var all = new Dictionary<string, object>();
        foreach (var net in networks)
        {
            using var model = VcRegBench.CreateModel(net, device);
            var sites = VcRegBench.Sites(model, siteKind, net);
            using var input = TorchSharp.torch.randn(batch, 3, 224, 224, device: device);
            var regs = VcRegBench.Regularizers(options, device);
            var downsampling = siteKind != "blocks" ? [] : BlockProfile.DownsamplingBetween(model, sites);
            var result = BlockProfile.Run(model, sites, regs, input, device, rounds, ctx.Cancel, downsampling);
            if (json) all[net] = new { device = device.ToString(), batch, rounds, step_s = result.StepSeconds, outside_sites_s = result.Outside, minor_page_faults = result.PageFaults, sites = result.Sites };
            else
            {
                foreach (var line in BlockProfileTable.Lines(net, batch, result)) Console.WriteLine(line);
                Console.WriteLine();
            }
        }
        if (json) Console.WriteLine(JsonSerializer.Serialize(all, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
        return 0;
    }
}
