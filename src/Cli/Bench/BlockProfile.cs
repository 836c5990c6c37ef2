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
    /// A step's time outside every site's four intervals (stem, downsampling, head, loss, autograd's own work between the
    /// sites), where a layer that slows the network elsewhere would show: forward and backward, the part of each spent in
    /// the timed downsampling layers, and two ends of the backward. Each field is the median over steps of that step's value.
    /// </summary>
    /// <param name="Head">From the loss to the gradient's arrival at the last site (loss, head, pooling).</param>
    /// <param name="Tail">From the gradient's arrival at the first site's input to the step's end (the stem, and what the engine does last).</param>
    /// <param name="RestForward">Forward less the downsampling layers' forward, per step (so not the difference of two medians).</param>
    public sealed record OutsideTimes(double Forward, double Backward, double DownsamplingForward, double DownsamplingBackward, double RestForward,
        double RestBackward, double Head, double Tail);

    /// <summary>
    /// Per variant: the sites (median over rounds), the whole step's median, the time outside the sites and the minor page
    /// faults a step (medians); and the fast backward op by op: per sample shape "n×d", each op's seconds a step (summed
    /// over the sites of that shape, mean over rounds), in the order they run.
    /// </summary>
    public sealed record Result(IReadOnlyDictionary<string, IReadOnlyList<Site>> Sites, IReadOnlyDictionary<string, double> StepSeconds,
        IReadOnlyDictionary<string, IReadOnlyList<KeyValuePair<string, double>>> FastOps, IReadOnlyDictionary<string, OutsideTimes> Outside,
        IReadOnlyDictionary<string, double> PageFaults);

    /// <summary>The network's downsampling layers that lie between the sites (ConvNeXt's), not inside one (ResNet's projection shortcuts).</summary>
    public static IReadOnlyList<nn.Module<Tensor, Tensor>> DownsamplingBetween(Models.Network model, IReadOnlyList<nn.Module<Tensor, Tensor>> sites) =>
        [.. model.DownsampleModules.Where(m => !sites.Any(s => s.modules().Any(x => ReferenceEquals(x, m))))];

    /// <param name="downsampling">Modules outside the sites timed as a whole, forward and backward (the network's downsampling layers).</param>
    public static Result Run(nn.Module<Tensor, Tensor> model, IReadOnlyList<nn.Module<Tensor, Tensor>> sites,
        IReadOnlyDictionary<string, FeatureRegularizer> regs, Tensor input, Device device, int rounds, CancellationToken cancel,
        IReadOnlyList<nn.Module<Tensor, Tensor>>? downsampling = null)
    {
        downsampling ??= [];
        var samples = regs.Keys.ToDictionary(v => v, _ => new List<StepSample>());
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
                    var sample = Step(model, sites, downsampling, regs[v], input, device, shapes);
                    if (round > 0) samples[v].Add(sample);
                }
                finally { VcRegFunction.OpProbe = null; }
            }
        var result = new Dictionary<string, IReadOnlyList<Site>>();
        foreach (var (v, list) in samples)
            result[v] = [.. Enumerable.Range(0, sites.Count).Select(i => new Site($"blocks.{i}", shapes[i].Shape, shapes[i].ChannelsLast,
                Stats.Median(list.Select(s => s.Times[i, 0])), Stats.Median(list.Select(s => s.Times[i, 1])),
                Stats.Median(list.Select(s => s.Times[i, 2])), Stats.Median(list.Select(s => s.Times[i, 3]))))];
        OutsideTimes Median(List<StepSample> list) => new(Stats.Median(list.Select(x => x.Outside.Forward)), Stats.Median(list.Select(x => x.Outside.Backward)),
            Stats.Median(list.Select(x => x.Outside.DownsamplingForward)), Stats.Median(list.Select(x => x.Outside.DownsamplingBackward)),
            Stats.Median(list.Select(x => x.Outside.RestForward)), Stats.Median(list.Select(x => x.Outside.RestBackward)),
            Stats.Median(list.Select(x => x.Outside.Head)), Stats.Median(list.Select(x => x.Outside.Tail)));
        return new Result(result, samples.ToDictionary(kv => kv.Key, kv => Stats.Median(kv.Value.Select(s => s.Step))),
            ops.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<KeyValuePair<string, double>>)kv.Value),
            samples.ToDictionary(kv => kv.Key, kv => Median(kv.Value)), samples.ToDictionary(kv => kv.Key, kv => Stats.Median(kv.Value.Select(s => s.Faults))));
    }

    sealed record StepSample(double[,] Times, double Step, OutsideTimes Outside, double Faults);

    /// <summary>One step with markers; per site [block forward, layer forward, layer backward, block backward] in seconds, the step and its forward.</summary>
    static StepSample Step(nn.Module<Tensor, Tensor> model,
        IReadOnlyList<nn.Module<Tensor, Tensor>> sites, IReadOnlyList<nn.Module<Tensor, Tensor>> downsampling, FeatureRegularizer reg, Tensor input, Device device, (long[], bool)[] shapes)
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
        // Per downsampling module: forward start, forward end, gradient at its output, gradient at its input.
        var down = new long[downsampling.Count, 4];
        for (int i = 0; i < downsampling.Count; i++)
        {
            int at = i;
            removers.Add(downsampling[i].register_forward_pre_hook((_, x) =>
            {
                Sync();
                down[at, 0] = Stopwatch.GetTimestamp();
                return TimeMark.Mark(x, () => { Sync(); down[at, 3] = Stopwatch.GetTimestamp(); });
            }).remove);
            removers.Add(downsampling[i].register_forward_hook((_, _, y) =>
            {
                Sync();
                down[at, 1] = Stopwatch.GetTimestamp();
                return TimeMark.Mark(y, () => { Sync(); down[at, 2] = Stopwatch.GetTimestamp(); });
            }).remove);
        }
        try
        {
            using var scope = NewDisposeScope();
            model.zero_grad();
            Sync();
            long faults = MinorFaults();
            var sw = Stopwatch.StartNew();
            var loss = model.call(input).logsumexp(1).mean();
            if (reg.TakeLoss() is Tensor extra) loss = loss + extra;
            Sync();
            double forward = sw.Elapsed.TotalSeconds;
            long forwardEnd = Stopwatch.GetTimestamp();
            loss.backward();
            reg.AfterBackward();
            TimeMark.ThrowIfFailed();
            Sync();
            if (device.type != DeviceType.CUDA) _ = loss.item<float>();
            double step = sw.Elapsed.TotalSeconds;
            long stepEnd = Stopwatch.GetTimestamp();
            faults = MinorFaults() - faults;
            // A mark that never fired (an input that needed no gradient) would read as a huge negative interval.
            if (marks.Cast<long>().Any(t => t == 0) || down.Cast<long>().Any(t => t == 0))
                throw new InvalidOperationException("profile: a site or downsampling layer saw no gradient (does the input need none?)");
            var times = new double[n, 4];
            double f = Stopwatch.Frequency;
            for (int i = 0; i < n; i++)
            {
                times[i, 0] = (marks[i, 1] - marks[i, 0]) / f;
                times[i, 1] = (marks[i, 2] - marks[i, 1]) / f;
                times[i, 2] = (marks[i, 4] - marks[i, 3]) / f;
                times[i, 3] = (marks[i, 5] - marks[i, 4]) / f;
            }
            double downForward = 0, downBackward = 0, sitesForward = 0, sitesBackward = 0;
            for (int i = 0; i < downsampling.Count; i++)
            {
                downForward += (down[i, 1] - down[i, 0]) / f;
                downBackward += (down[i, 3] - down[i, 2]) / f;
            }
            for (int i = 0; i < n; i++)
            {
                sitesForward += times[i, 0] + times[i, 1];
                sitesBackward += times[i, 2] + times[i, 3];
            }
            long firstGradient = Enumerable.Range(0, n).Min(i => marks[i, 3]), lastSite = Enumerable.Range(0, n).Max(i => marks[i, 5]);
            double outsideForward = forward - sitesForward, outsideBackward = step - forward - sitesBackward;
            var outside = new OutsideTimes(outsideForward, outsideBackward, downForward, downBackward, outsideForward - downForward,
                outsideBackward - downBackward, (firstGradient - forwardEnd) / f, (stepEnd - lastSite) / f);
            return new(times, step, outside, faults);
        }
        finally
        {
            foreach (var remove in removers) remove();
        }
    }

    /// <summary>The process's minor page faults so far (Linux /proc/self/stat), or 0 where that file cannot be read.</summary>
    static long MinorFaults()
    {
        try { return MinorFaultsOf(File.ReadAllText("/proc/self/stat")); }
        catch (IOException) { return 0; }
        catch (UnauthorizedAccessException) { return 0; }
    }

    /// <summary>
    /// Field 10 (minflt) of a /proc/PID/stat line. The command name (field 2) is in parentheses and may itself hold spaces
    /// and parentheses, so fields are counted from after its last ')': state is field 3 there.
    /// </summary>
    public static long MinorFaultsOf(string stat)
    {
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[10 - 3], System.Globalization.CultureInfo.InvariantCulture);
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
        yield return "minor page faults a step (median): " + string.Join(", ", variants.Select(v => $"{v} {r.PageFaults[v]:F0}"));
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
        yield return "outside the sites, ms forward / backward: the downsampling layers, and the rest (stem, head, loss, autograd between the sites)";
        var o0 = r.Outside[variants[0]];
        static string Ms(double s) => $"{s * 1000:F1}";
        static string Delta(double s) => (s >= 0 ? "+" : "−") + $"{Math.Abs(s) * 1000:F1}";
        foreach (var v in variants)
        {
            var o = r.Outside[v];
            yield return $"  {v,-9} downsampling {Ms(o.DownsamplingForward),6} / {Ms(o.DownsamplingBackward),6} (Δ {Delta(o.DownsamplingForward - o0.DownsamplingForward)} / {Delta(o.DownsamplingBackward - o0.DownsamplingBackward)})   " +
                $"rest {Ms(o.RestForward),6} / {Ms(o.RestBackward),6} (Δ {Delta(o.RestForward - o0.RestForward)} / {Delta(o.RestBackward - o0.RestBackward)}); " +
                $"of its backward: loss to the last site {Ms(o.Head)}, after the first site {Ms(o.Tail)}";
        }
        if (r.Outside.ContainsKey("naive")) yield return "  (naive's loss terms run their backward wherever the engine schedules them: part of its layer time lands in \"rest\")";
        if (r.FastOps.Count == 0) yield break;
        yield return "fast backward op by op (sites taken as (n, d) rows: tokens, channels-last maps; ms a step, over the sites of each shape):";
        foreach (var (shape, ops) in r.FastOps)
            yield return $"  n×d {shape,-12} " + string.Join(", ", ops.Select(o => $"{o.Key} {o.Value * 1000:F1}")) + $"; total {ops.Sum(o => o.Value) * 1000:F1}";
    }
}
