using System.Text.Json;
using VideoVCReg.Runtime.Distributed.Mpi;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Distributed;

/// <summary>
/// The ring all-reduce that sums large host buffers (gradient buckets, the VCReg statistics): `bench allreduce` under
/// mpirun checks every element of its result against the exact sum (small integers, exact in float32 and float64), at
/// 3 ranks and a length no chunking divides evenly, next to MPI_Allreduce on the same buffer. The training-level
/// exactness (two ranks equal to one process) is DataParallelTests', which runs on the ring too.
/// </summary>
public class RingAllReduceTests
{
    [Fact]
    public void The_ring_sums_exactly_over_three_ranks_at_uneven_chunks_as_mpi_allreduce_does()
    {
        var r = CliProcess.Run("bench", "allreduce", "--json", "--elements", "1000003", "--ranks", "3", "--rounds", "1");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout.Trim().Split('\n')[^1]);
        var o = doc.RootElement;
        Assert.Equal(3, o.GetProperty("ranks").GetInt32());
        Assert.Equal(1000003, o.GetProperty("elements").GetInt32());
        Assert.True(o.GetProperty("ring_exact").GetBoolean());
        Assert.True(o.GetProperty("ring_float64_exact").GetBoolean());
        Assert.True(o.GetProperty("mpi_exact").GetBoolean());
        Assert.Equal(o.GetProperty("mpi_ms").GetDouble() / o.GetProperty("ring_ms").GetDouble(), o.GetProperty("ratio").GetDouble(), 12);
    }

    [Fact]
    public void The_switch_takes_ring_or_mpi_and_refuses_anything_else_in_one_line_per_rank()
    {
        Assert.True(MpiWorld.UsesRing(null));
        Assert.True(MpiWorld.UsesRing(" Ring "));
        Assert.False(MpiWorld.UsesRing("mpi"));
        var r = MpiRun.Run(2, new Dictionary<string, string> { ["VIDEOVCREG_ALLREDUCE"] = "fast" }, "info");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Equal(2, r.Stderr.Split('\n').Count(l => l.Contains("videovcreg: VIDEOVCREG_ALLREDUCE must be ring or mpi (got 'fast')")));
    }
}
