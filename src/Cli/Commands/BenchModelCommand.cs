using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TorchSharp;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Models;
using static TorchSharp.torch;

namespace VideoVCReg.Cli.Commands;

/// <summary>
/// `videovcreg bench model`: forward and train-step clips/s of videomae-s at 16x224² and 8x112², batch 2,
/// against the same architecture in PyTorch (bench/torch_model.py, Debian's /usr/bin/python3) run in the same
/// invocation, and the share of a large matmul's GFLOP/s that the 16x224² forward reaches.
/// </summary>
public static class BenchModelCommand
{
    public static Command Build()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table" };
        var iters = new Option<int>("--iters") { Description = "Timed iterations per measurement (after one warm-up)", DefaultValueFactory = _ => 1 };
        var noTorch = new Option<bool>("--no-pytorch") { Description = "Skip the PyTorch side" };
        var cmd = new Command("model", "Forward / train-step clips/s of videomae-s vs PyTorch in the same run, and % of matmul peak") { json, iters, noTorch };
        Verb.SetAction(cmd, ctx =>
        {
            int n = Math.Max(1, ctx.Parse.GetValue(iters));
            var device = ctx.Device;
            var preset = ModelPresets.Get("videomae-s");
            double peak = Bench.MatmulPeak.Gflops(device);
            var rows = new List<Dictionary<string, object?>>();
            foreach (var (t, s) in new[] { (16, 224), (8, 112) })
            {
                ctx.Cancel.ThrowIfCancellationRequested();
                var c = preset with { Frames = t, ImageSize = s };
                var (fwd, train) = MeasureOurs(c, device, batch: 2, n);
                var row = new Dictionary<string, object?>
                {
                    ["input"] = $"{t}x{s}x{s}", ["batch"] = 2,
                    ["forward_clips_per_s"] = fwd, ["train_clips_per_s"] = train,
                };
                if (!ctx.Parse.GetValue(noTorch))
                {
                    var py = MeasurePyTorch(t, s, n);
                    row["pytorch_forward_clips_per_s"] = py.Forward;
                    row["pytorch_train_clips_per_s"] = py.Train;
                    row["forward_ratio"] = fwd / py.Forward;
                    row["train_ratio"] = train / py.Train;
                }
                double flops = ForwardFlopsPerClip(c);
                row["forward_gflop_per_clip"] = flops / 1e9;
                row["forward_share_of_matmul_peak"] = flops * fwd / 1e9 / peak;
                rows.Add(row);
            }
            var result = new Dictionary<string, object?>
            {
                ["model"] = "videomae-s", ["device"] = device.ToString(), ["threads"] = torch.get_num_threads(),
                ["matmul_gflops"] = peak, ["iters"] = n, ["results"] = rows,
            };
            if (ctx.Parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(result));
            else Print(result, rows);
            return Task.FromResult(0);
        });
        return cmd;
    }

    /// <summary>Multiply-adds counted as 2 FLOPs: patch embedding, per block 24·N·D² (qkv, proj, MLP) + 4·N²·D (attention), head.</summary>
    public static double ForwardFlopsPerClip(ModelConfig c)
    {
        double n = c.NumTokens, d = c.EmbedDim;
        double patch = 2.0 * c.NumPatches * d * (c.InChans * c.Tubelet * c.PatchSize * c.PatchSize);
        double block = 2.0 * n * d * (3 * d + d + 2 * c.MlpRatio * d) + 4.0 * n * n * d;
        return patch + c.Depth * block + 2.0 * d * c.NumClasses;
    }


    static (double Forward, double Train) MeasureOurs(ModelConfig c, Device device, int batch, int iters)
    {
        torch.manual_seed(0);
        using var model = new VisionTransformer(c);
        model.to(device);
        using var x = randn(new long[] { batch, 3, c.Frames, c.ImageSize, c.ImageSize }, device: device);
        using var y = randint(0, c.NumClasses, new long[] { batch }, device: device);
        var opt = optim.AdamW(model.parameters(), 1e-4);
        double Time(Action step)
        {
            step(); // warm-up
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < iters; i++) step();
            return sw.Elapsed.TotalSeconds / iters;
        }
        double fwd = Time(() =>
        {
            model.eval();
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            model.call(x).sum().item<float>();
        });
        double train = Time(() =>
        {
            model.train();
            using var scope = NewDisposeScope();
            opt.zero_grad();
            var loss = nn.functional.cross_entropy(model.call(x), y);
            loss.backward();
            opt.step();
            loss.item<float>();
        });
        return (batch / fwd, batch / train);
    }

    static (double Forward, double Train) MeasurePyTorch(int frames, int size, int iters)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "bench", "torch_model.py");
        if (!File.Exists(script)) throw new FileNotFoundException($"{script}: PyTorch peer script not found (rebuild, or pass --no-pytorch)");
        if (!File.Exists("/usr/bin/python3")) throw new InvalidOperationException("/usr/bin/python3 not found: install python3-torch (or pass --no-pytorch)");
        var output = Bench.ExternalProcess.Run("/usr/bin/python3",
            [script, "--frames", $"{frames}", "--size", $"{size}", "--batch", "2", "--iters", $"{iters}", "--threads", $"{torch.get_num_threads()}"],
            CancellationToken.None);
        using var doc = JsonDocument.Parse(output);
        return (doc.RootElement.GetProperty("forward_clips_per_s").GetDouble(), doc.RootElement.GetProperty("train_clips_per_s").GetDouble());
    }

    static void Print(Dictionary<string, object?> r, List<Dictionary<string, object?>> rows)
    {
        string F(object? v) => v is double d ? d.ToString("F2", CultureInfo.InvariantCulture) : "-";
        Console.WriteLine($"videomae-s, batch 2, {r["device"]}, {r["threads"]} threads, {r["iters"]} timed iteration(s) after 1 warm-up");
        Console.WriteLine($"matmul 4096² (best of 8): {F(r["matmul_gflops"])} GFLOP/s");
        Console.WriteLine($"{"input",-11} {"fwd clips/s",12} {"torch fwd",10} {"ratio",6} {"train clips/s",14} {"torch train",12} {"ratio",6} {"fwd % peak",10}");
        foreach (var row in rows)
            Console.WriteLine($"{row["input"],-11} {F(row["forward_clips_per_s"]),12} {F(row.GetValueOrDefault("pytorch_forward_clips_per_s")),10} {F(row.GetValueOrDefault("forward_ratio")),6} " +
                              $"{F(row["train_clips_per_s"]),14} {F(row.GetValueOrDefault("pytorch_train_clips_per_s")),12} {F(row.GetValueOrDefault("train_ratio")),6} " +
                              $"{((double)row["forward_share_of_matmul_peak"]! * 100).ToString("F0", CultureInfo.InvariantCulture),9}%");
    }
}
