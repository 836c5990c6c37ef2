using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TorchSharp;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.FineTune;
using VideoVCReg.Models;
using VideoVCReg.Runtime.Distributed;
using static TorchSharp.torch;

namespace VideoVCReg.Cli.Commands;

/// <summary>
/// `videovcreg bench ddp`: the data-parallel train step of videomae-s (random clips, so decoding plays no part) at 1 and 2
/// ranks under mpirun, one intra-op thread per rank, with the share of the step spent averaging gradients; and PyTorch DDP
/// over gloo on the same architecture and sizes (bench/torch_ddp.py) in the same run. The launcher starts itself as
/// `bench ddp --worker` under mpirun; rank 0 of each worker run prints one JSON line.
/// </summary>
public static class BenchDdpCommand
{
    public static Command Build()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table" };
        var frames = new Option<int>("--frames") { Description = "Clip frames", DefaultValueFactory = _ => 8 };
        var size = new Option<int>("--size") { Description = "Clip side in pixels", DefaultValueFactory = _ => 112 };
        var batch = new Option<int>("--batch") { Description = "Clips per rank and step", DefaultValueFactory = _ => 2 };
        var steps = new Option<int>("--steps") { Description = "Timed steps (after one warm-up)", DefaultValueFactory = _ => 3 };
        var ranks = new Option<int>("--ranks") { Description = "The larger number of ranks (compared with 1)", DefaultValueFactory = _ => 2 };
        var noTorch = new Option<bool>("--no-pytorch") { Description = "Skip the PyTorch side" };
        var worker = new Option<bool>("--worker") { Description = "Internal: one rank's measurement (started under mpirun by the launcher)", Hidden = true };
        var cmd = new Command("ddp", "Data-parallel step time at 1 and N ranks (mpirun) and the all-reduce share, vs PyTorch DDP over gloo")
            { json, frames, size, batch, steps, ranks, noTorch, worker };
        Verb.SetAction(cmd, ctx =>
        {
            int t = ctx.Parse.GetValue(frames), s = ctx.Parse.GetValue(size), b = ctx.Parse.GetValue(batch), n = ctx.Parse.GetValue(steps), r = ctx.Parse.GetValue(ranks);
            if (t < 2 || s < 16 || b < 1 || n < 1 || r < 2)
                throw new UserInputException($"bench ddp needs --frames ≥ 2, --size ≥ 16, --batch ≥ 1, --steps ≥ 1 and --ranks ≥ 2 (got {t}, {s}, {b}, {n}, {r})");
            if (ctx.Parse.GetValue(worker))
            {
                Worker(t, s, b, n);
                return Task.FromResult(0);
            }
            var rows = new List<Dictionary<string, object?>>();
            foreach (int k in new[] { 1, r })
            {
                var ours = Launch(k, t, s, b, n, ctx.Cancel);
                var row = new Dictionary<string, object?> { ["ranks"] = k, ["step_s"] = ours.Step, ["allreduce_share"] = ours.AllReduce / ours.Step, ["parameters"] = ours.Parameters };
                if (!ctx.Parse.GetValue(noTorch))
                {
                    var py = PyTorch(k, t, s, b, n, ctx.Cancel);
                    row["pytorch_step_s"] = py.GetProperty("step_s").GetDouble();
                    row["pytorch_exposed_allreduce_share"] = py.GetProperty("exposed_allreduce_share").GetDouble();
                    row["speed_ratio"] = (double)row["pytorch_step_s"]! / ours.Step;
                }
                rows.Add(row);
            }
            var result = new Dictionary<string, object?>
            {
                ["model"] = "videomae-s", ["clip"] = $"{t}x{s}x{s}", ["batch_per_rank"] = b, ["steps"] = n, ["threads_per_rank"] = 1,
                ["results"] = rows,
                // Weak scaling: the per-rank batch is fixed, so a perfect run keeps the step time as ranks are added.
                ["scaling_efficiency"] = (double)rows[0]["step_s"]! / (double)rows[1]["step_s"]!,
                ["pytorch_scaling_efficiency"] = rows[0].TryGetValue("pytorch_step_s", out var p1) ? (double)p1! / (double)rows[1]["pytorch_step_s"]! : null,
            };
            if (ctx.Parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(result));
            else Print(result, rows);
            return Task.FromResult(0);
        });
        return cmd;
    }

    /// <summary>One rank: the fine-tuning step of the loop (forward, cross-entropy, backward, bucketed average, AdamW).</summary>
    static void Worker(int frames, int size, int batch, int steps)
    {
        var group = ProcessGroup.World;
        torch.set_num_threads(1);
        torch.manual_seed(0);
        var config = ModelPresets.Get("videomae-s") with { Frames = frames, ImageSize = size };
        using var model = new VisionTransformer(config);
        var parameters = model.parameters().ToList();
        foreach (var p in model.state_dict().Values) group.Broadcast(p);
        using var reducer = new GradientBuckets(group, parameters);
        var opt = optim.AdamW(parameters, 1e-4);
        torch.manual_seed(group.Rank + 1);
        using var x = randn(new long[] { batch, 3, frames, size, size });
        using var y = randint(0, config.NumClasses, new long[] { batch });
        void Step()
        {
            using var scope = NewDisposeScope();
            model.train();
            opt.zero_grad();
            nn.functional.cross_entropy(model.call(x), y).backward();
            reducer.Average();
            opt.step();
        }
        Step();
        reducer.TakeSeconds();
        group.Barrier();
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) Step();
        group.Barrier();
        double step = watch.Elapsed.TotalSeconds / steps, reduce = reducer.TakeSeconds() / steps;
        // The slowest rank's share decides the step; rank 0 reports the mean over ranks.
        var sums = new[] { reduce };
        group.AllReduceSum(sums);
        if (group.IsWriter)
            Console.WriteLine(JsonSerializer.Serialize(new { ranks = group.Size, step_s = step, allreduce_s = sums[0] / group.Size, parameters = parameters.Sum(p => p.numel()) }));
    }

    static (double Step, double AllReduce, long Parameters) Launch(int ranks, int frames, int size, int batch, int steps, CancellationToken cancel)
    {
        var root = Bench.MpiLaunch.Run(ranks, ["bench", "ddp", "--worker", "--frames", $"{frames}", "--size", $"{size}", "--batch", $"{batch}", "--steps", $"{steps}"], cancel);
        return (root.GetProperty("step_s").GetDouble(), root.GetProperty("allreduce_s").GetDouble(), root.GetProperty("parameters").GetInt64());
    }

    static JsonElement PyTorch(int ranks, int frames, int size, int batch, int steps, CancellationToken cancel)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "bench", "torch_ddp.py");
        if (!File.Exists(script)) throw new FileNotFoundException($"{script}: PyTorch peer script not found (rebuild, or pass --no-pytorch)");
        var output = Bench.ExternalProcess.Run("/usr/bin/python3",
            [script, "--ranks", $"{ranks}", "--frames", $"{frames}", "--size", $"{size}", "--batch", $"{batch}", "--steps", $"{steps}"], cancel);
        return JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement.Clone();
    }

    static void Print(Dictionary<string, object?> r, List<Dictionary<string, object?>> rows)
    {
        static string F(object? v, string f = "F3") => v is double d ? d.ToString(f, CultureInfo.InvariantCulture) : "-";
        static string P(object? v) => v is double d ? (d * 100).ToString("F0", CultureInfo.InvariantCulture) + "%" : "-";
        Console.WriteLine($"videomae-s ({rows[0]["parameters"]:N0} parameters), clips {r["clip"]}, batch {r["batch_per_rank"]} per rank, 1 thread per rank, {r["steps"]} timed steps");
        Console.WriteLine($"{"ranks",5} {"step s",8} {"all-reduce",10} {"torch DDP s",12} {"exposed",8} {"torch/ours",10}");
        foreach (var row in rows)
            Console.WriteLine($"{row["ranks"],5} {F(row["step_s"]),8} {P(row["allreduce_share"]),10} {F(row.GetValueOrDefault("pytorch_step_s")),12} " +
                              $"{P(row.GetValueOrDefault("pytorch_exposed_allreduce_share")),8} {F(row.GetValueOrDefault("speed_ratio"), "F2"),10}");
        Console.WriteLine($"weak-scaling efficiency (1-rank step / {rows[1]["ranks"]}-rank step): ours {F(r["scaling_efficiency"], "F2")}, PyTorch DDP {F(r["pytorch_scaling_efficiency"], "F2")}");
    }
}
