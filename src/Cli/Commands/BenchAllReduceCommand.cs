using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Runtime.Distributed;
using VideoVCReg.Runtime.Distributed.Mpi;

namespace VideoVCReg.Cli.Commands;

/// <summary>
/// `videovcreg bench allreduce`: one buffer summed over N ranks (mpirun) by MPI_Allreduce and by the ring the training loop
/// uses (<c>VIDEOVCREG_ALLREDUCE</c>), best of a few rounds each, with each result checked element by element against the
/// exact sum (the values are small integers, so float32 adds them exactly). The default size is ViT-S's gradient,
/// what `bench ddp` reduces every step.
/// </summary>
public static class BenchAllReduceCommand
{
    public static Command Build()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a summary" };
        var elements = new Option<int>("--elements") { Description = "float32 values in the buffer (default: videomae-s's 22,033,936 gradients)", DefaultValueFactory = _ => 22_033_936 };
        var ranks = new Option<int>("--ranks") { Description = "Processes under mpirun", DefaultValueFactory = _ => 2 };
        var rounds = new Option<int>("--rounds") { Description = "Timed rounds of each algorithm (the best is reported)", DefaultValueFactory = _ => 5 };
        var worker = new Option<bool>("--worker") { Description = "Internal: one rank's measurement (started under mpirun by the launcher)", Hidden = true };
        var cmd = new Command("allreduce", "MPI_Allreduce against the ring all-reduce on N ranks: milliseconds and exactness") { json, elements, ranks, rounds, worker };
        Verb.SetAction(cmd, ctx =>
        {
            int n = ctx.Parse.GetValue(elements), r = ctx.Parse.GetValue(ranks), k = ctx.Parse.GetValue(rounds);
            if (n < 1 || r < 2 || k < 1) throw new UserInputException($"bench allreduce needs --elements ≥ 1, --ranks ≥ 2 and --rounds ≥ 1 (got {n}, {r}, {k})");
            if (ctx.Parse.GetValue(worker))
            {
                Worker(n, k);
                return Task.FromResult(0);
            }
            var result = Bench.MpiLaunch.Run(r, ["bench", "allreduce", "--worker", "--elements", $"{n}", "--rounds", $"{k}"], ctx.Cancel);
            if (ctx.Parse.GetValue(json)) Console.WriteLine(result.GetRawText());
            else
            {
                double mpi = result.GetProperty("mpi_ms").GetDouble(), ring = result.GetProperty("ring_ms").GetDouble();
                Console.WriteLine(FormattableString.Invariant(
                    $"{n:N0} float32 ({n * 4.0 / (1 << 20):F1} MB) on {r} ranks, best of {k}: MPI_Allreduce {mpi:F1} ms, ring {ring:F1} ms, ratio {mpi / ring:F2}; exact: MPI {result.GetProperty("mpi_exact")}, ring {result.GetProperty("ring_exact")} (float64 {result.GetProperty("ring_float64_exact")})"));
            }
            return Task.FromResult(0);
        });
        return cmd;
    }

    static void Worker(int n, int rounds)
    {
        var world = ProcessGroup.World as MpiWorld ?? throw new UserInputException("bench allreduce --worker runs under mpirun (use bench allreduce)");
        int rank = world.Rank, size = world.Size;
        // Rank-dependent small integers: every partial sum is exact in float32, so any misplaced chunk shows.
        var start = new float[n];
        for (int i = 0; i < n; i++) start[i] = i % 1021 + 7 * rank;
        double Expected(int i) => (double)size * (i % 1021) + 7.0 * size * (size - 1) / 2;
        var buffer = new float[n];
        (double Ms, bool Exact) Time(Action<float[]> sum)
        {
            double best = double.PositiveInfinity;
            for (int round = 0; round < rounds + 1; round++)
            {
                start.CopyTo(buffer, 0);
                world.Barrier();
                var watch = Stopwatch.StartNew();
                sum(buffer);
                double ms = watch.Elapsed.TotalMilliseconds;
                if (round > 0) best = Math.Min(best, ms);   // the first round pays page faults and connection set-up
            }
            return (best, Agreed(Enumerable.Range(0, n).All(i => buffer[i] == Expected(i))));
        }
        bool Agreed(bool mine)
        {
            var wrong = new[] { mine ? 0.0 : 1.0 };
            world.AllReduceSum(wrong.AsSpan());
            return wrong[0] == 0;
        }
        var mpi = Time(b => world.MpiAllReduceSum(b));
        var ring = Time(b => world.RingAllReduceSum(b));
        var wide = start.Select(v => (double)v).ToArray();
        world.RingAllReduceSum(wide);
        bool wideExact = Agreed(Enumerable.Range(0, n).All(i => wide[i] == Expected(i)));
        if (world.IsWriter)
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                ranks = size, elements = n, mb = n * 4.0 / (1 << 20), rounds, mpi_ms = mpi.Ms, ring_ms = ring.Ms, ratio = mpi.Ms / ring.Ms,
                mpi_exact = mpi.Exact, ring_exact = ring.Exact, ring_float64_exact = wideExact,
            }));
    }
}
