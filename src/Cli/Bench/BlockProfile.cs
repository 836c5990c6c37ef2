using System.Diagnostics;
using TorchSharp;
using VideoVCReg.Models.Regularization;
using static TorchSharp.torch;

namespace VideoVCReg.Cli.Bench;

/// <summary>
/// `bench vcreg --profile`: where a whole-network step spends its time, site by site, with each inserted layer. Identity
/// markers (<see cref="TimeMark"/>) around every block and around the layer inserted after it take a timestamp when the
/// forward passes them and when the gradient reaches them, so each site's time splits into the block's forward, the
/// layer's forward, the layer's backward and the block's backward (the backward one runs after the other on CPU: the
/// autograd engine has one thread per device). Comparing a variant's block times with identity's shows whether the
/// layer makes the network itself slower (a gradient handed back in another memory layout, a copy), which a timing of
/// the layers alone cannot.
/// </summary>
public static class BlockProfile
{
    /// <summary>Seconds at one site: the block's forward and backward, and the inserted layer's.</summary>
    public sealed record Site(string Name, long[] Shape, bool ChannelsLast, double BlockForward, double LayerForward, double LayerBackward, double BlockBackward);

    /// <summary>
    /// Per variant: the sites (median over rounds) and the whole step's median; and the fast backward op by op: per sample
    /// shape "n×d", each op's seconds a step (summed over the sites of that shape, mean over rounds), in the order they run.
    /// </summary>
    public sealed record Result(IReadOnlyDictionary<string, IReadOnlyList<Site>> Sites, IReadOnlyDictionary<string, double> StepSeconds,
        IReadOnlyDictionary<string, IReadOnlyList<KeyValuePair<string, double>>> FastOps);

    public static Result Run(nn.Module<Tensor, Tensor> model, IReadOnlyList<nn.Module<Tensor, Tensor>> sites,
        IReadOnlyDictionary<string, FeatureRegularizer> regs, Tensor input, Device device, int rounds, CancellationToken cancel)
    {
        var samples = regs.Keys.ToDictionary(v => v, _ => new List<(double[,] Times, double Step)>());
        var shapes = new (long[] Shape, bool ChannelsLast)[sites.Count];
        var variants = regs.Keys.ToArray();
        var ops = new Dictionary<string, List<KeyValuePair<string, double>>>();
        for (int round = 0; round < rounds + 1; round++)
            for (int k = 0; k < variants.Length; k++)
            {
                cancel.ThrowIfCancellationRequested();
                var v = variants[(k + round) % variants.Length];
                long last = 0;
                if (v == "fast" && round > 0)
                    VcRegFunction.OpProbe = (label, n, d) =>
                    {
                        Sync(device);
                        long now = Stopwatch.GetTimestamp();
                        if (label != "start")
                        {
                            if (!ops.TryGetValue($"{n}×{d}", out var list)) ops[$"{n}×{d}"] = list = [];
                            int at = list.FindIndex(p => p.Key == label);
                            double add = (now - last) / (double)Stopwatch.Frequency / rounds;
                            if (at < 0) list.Add(new(label, add)); else list[at] = new(label, list[at].Value + add);
                        }
                        last = now;
                    };
                try
                {
                    var (times, step) = Step(model, sites, regs[v], input, device, shapes);
                    if (round > 0) samples[v].Add((times, step));
                }
                finally { VcRegFunction.OpProbe = null; }
            }
        var result = new Dictionary<string, IReadOnlyList<Site>>();
        foreach (var (v, list) in samples)
            result[v] = [.. Enumerable.Range(0, sites.Count).Select(i => new Site($"blocks.{i}", shapes[i].Shape, shapes[i].ChannelsLast,
                Stats.Median(list.Select(s => s.Times[i, 0])), Stats.Median(list.Select(s => s.Times[i, 1])),
                Stats.Median(list.Select(s => s.Times[i, 2])), Stats.Median(list.Select(s => s.Times[i, 3]))))];
        return new Result(result, samples.ToDictionary(kv => kv.Key, kv => Stats.Median(kv.Value.Select(s => s.Step))),
            ops.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<KeyValuePair<string, double>>)kv.Value));
    }

    /// <summary>One step with markers; per site [block forward, layer forward, layer backward, block backward] in seconds.</summary>
    static (double[,] Times, double Step) Step(nn.Module<Tensor, Tensor> model, IReadOnlyList<nn.Module<Tensor, Tensor>> sites,
        FeatureRegularizer reg, Tensor input, Device device, (long[], bool)[] shapes)
    {
        int n = sites.Count;
        // Timestamps: 0 block forward start, 1 block forward end, 2 layer forward end, 3 gradient at the layer's output,
        // 4 gradient at the block's output (layer backward done), 5 gradient at the block's input (block backward done).
        var marks = new long[n, 6];
        var removers = new List<Action>();
        void Sync() => BlockProfile.Sync(device);
        for (int i = 0; i < n; i++)
        {
            int site = i;
            removers.Add(sites[i].register_forward_pre_hook((_, x) =>
            {
                Sync();
                marks[site, 0] = Stopwatch.GetTimestamp();
                return TimeMark.Mark(x, () => { Sync(); marks[site, 5] = Stopwatch.GetTimestamp(); });
            }).remove);
            // One hook does the block's end, the inserted layer and the layer's end in that order: with three hooks, added and
            // removed every step, TorchSharp ran them out of registration order (seen as negative intervals).
            removers.Add(sites[i].register_forward_hook((_, _, y) =>
            {
                Sync();
                marks[site, 1] = Stopwatch.GetTimestamp();
                shapes[site] = (y.shape, y.dim() == 4 && y.stride(1) == 1 && y.shape[1] > 1);
                var z = reg.Apply(TimeMark.Mark(y, () => { Sync(); marks[site, 4] = Stopwatch.GetTimestamp(); }), $"site.{site}");
                Sync();
                marks[site, 2] = Stopwatch.GetTimestamp();
                return TimeMark.Mark(z, () => { Sync(); marks[site, 3] = Stopwatch.GetTimestamp(); });
            }).remove);
        }
        try
        {
            using var scope = NewDisposeScope();
            model.zero_grad();
            Sync();
            var sw = Stopwatch.StartNew();
            var loss = model.call(input).logsumexp(1).mean();
            if (reg.TakeLoss() is Tensor extra) loss = loss + extra;
            loss.backward();
            reg.AfterBackward();
            TimeMark.ThrowIfFailed();
            Sync();
            if (device.type != DeviceType.CUDA) _ = loss.item<float>();
            double step = sw.Elapsed.TotalSeconds;
            var times = new double[n, 4];
            double f = Stopwatch.Frequency;
            for (int i = 0; i < n; i++)
            {
                times[i, 0] = (marks[i, 1] - marks[i, 0]) / f;
                times[i, 1] = (marks[i, 2] - marks[i, 1]) / f;
                times[i, 2] = (marks[i, 4] - marks[i, 3]) / f;
                times[i, 3] = (marks[i, 5] - marks[i, 4]) / f;
            }
            return (times, step);
        }
        finally
        {
            foreach (var remove in removers) remove();
        }
    }

    static void Sync(Device device) { if (device.type == DeviceType.CUDA) cuda.synchronize(); }

}

/// <summary>An identity whose backward calls an action when the gradient reaches it (a timestamp); the gradient passes unchanged.</summary>
public sealed class TimeMark : autograd.SingleTensorFunction<TimeMark>
{
    public override string Name => "TimeMark";

    public static Tensor Mark(Tensor x, Action reached) => x.requires_grad ? apply(x, reached) : x;

    static Exception? failure;

    internal static void ThrowIfFailed()
    {
        if (Interlocked.Exchange(ref failure, null) is Exception e) throw new InvalidOperationException($"profile marker failed: {e.Message}", e);
    }

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        ctx.save_data("reached", vars[1]);
        return ((Tensor)vars[0]).alias();
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad)
    {
        try { ((Action)ctx.get_data("reached"))(); }
        catch (Exception e) { Interlocked.CompareExchange(ref failure, e, null); }
        return [grad, null!];
    }
}

/// <summary>The profile as text: per stage (consecutive sites of one shape), per variant, the four times summed, in ms.</summary>
public static class BlockProfileTable
{
    public static IEnumerable<string> Lines(string network, int batch, BlockProfile.Result r)
    {
        var variants = r.Sites.Keys.ToList();
        yield return $"{network}, batch {batch}: whole step (median) " + string.Join(", ", variants.Select(v => $"{v} {r.StepSeconds[v]:F3} s"));
        yield return $"{"sites [shape] layout",-36} {"variant",-9} {"block fwd",10} {"layer fwd",10} {"layer bwd",10} {"block bwd",10} {"Δ block vs identity",20}";
        var sites = r.Sites[variants[0]];
        var stages = new List<(int From, int To)>();
        for (int i = 0; i < sites.Count; i++)
            if (stages.Count > 0 && sites[i].Shape.SequenceEqual(sites[stages[^1].To].Shape)) stages[^1] = (stages[^1].From, i);
            else stages.Add((i, i));
        double Sum(string v, int from, int to, Func<BlockProfile.Site, double> f) => r.Sites[v].Skip(from).Take(to - from + 1).Sum(f) * 1000;
        foreach (var (from, to) in stages.Append((0, sites.Count - 1)))
        {
            bool total = from == 0 && to == sites.Count - 1 && stages.Count > 1;
            var s = sites[from];
            string label = total ? $"all {sites.Count} sites" : $"blocks.{from}{(to > from ? $"–{to}" : "")} [{string.Join("×", s.Shape)}] {(s.ChannelsLast ? "NHWC" : s.Shape.Length == 4 ? "NCHW" : "")}";
            if (!total && from == 0 && to == sites.Count - 1 && stages.Count == 1) label += "";
            foreach (var v in variants)
            {
                double blockB = Sum(v, from, to, x => x.BlockBackward), identityB = Sum(variants[0], from, to, x => x.BlockBackward);
                yield return $"{(v == variants[0] ? label : ""),-36} {v,-9} {Sum(v, from, to, x => x.BlockForward),8:F1}ms {Sum(v, from, to, x => x.LayerForward),8:F1}ms " +
                    $"{Sum(v, from, to, x => x.LayerBackward),8:F1}ms {blockB,8:F1}ms {blockB - identityB,+18:+0.0;-0.0}ms";
            }
            if (stages.Count == 1) break;
        }
        if (r.FastOps.Count == 0) yield break;
        yield return "fast backward op by op (sites taken as (n, d) rows: tokens, channels-last maps; ms a step, over the sites of each shape):";
        foreach (var (shape, ops) in r.FastOps)
            yield return $"  n×d {shape,-12} " + string.Join(", ", ops.Select(o => $"{o.Key} {o.Value * 1000:F1}")) + $"; total {ops.Sum(o => o.Value) * 1000:F1}";
    }
}
