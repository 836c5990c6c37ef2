using System.Diagnostics;
using VideoVCReg.Runtime.Distributed.Mpi;

namespace VideoVCReg.Tests.Distributed;

/// <summary>
/// VIDEOVCREG_MPI_CUDA, the switch between CUDA-aware MPI (device buffers) and host staging. No GPU here, and Debian's
/// Open MPI is not CUDA-aware: these check the switch's reading of itself and of the library (MPIX_Query_cuda_support
/// agrees with ompi_info's mpi_built_with_cuda_support, so "on" is refused in one line per rank), not a device transfer.
/// </summary>
public class MpiCudaSwitchTests
{
    [Theory]
    [InlineData(null, true, true)]
    [InlineData(null, false, false)]
    [InlineData("auto", true, true)]
    [InlineData("auto", false, false)]
    [InlineData(" OFF ", true, false)]
    [InlineData("on", true, true)]
    public void The_switch_and_the_library_decide_together(string? setting, bool supported, bool expected) =>
        Assert.Equal(expected, MpiWorld.UsesDeviceBuffers(setting, supported));

    [Fact]
    public void On_without_support_and_a_bad_value_are_refused_in_one_line()
    {
        Assert.Contains("VIDEOVCREG_MPI_CUDA=on, but this MPI library is not CUDA-aware",
            Assert.Throws<InvalidOperationException>(() => MpiWorld.UsesDeviceBuffers("on", false)).Message);
        Assert.Equal("VIDEOVCREG_MPI_CUDA must be auto, on or off (got 'maybe')",
            Assert.Throws<ArgumentException>(() => MpiWorld.UsesDeviceBuffers("maybe", true)).Message);
    }

    [Fact]
    public void Under_mpirun_this_open_mpi_is_found_not_cuda_aware_so_on_ends_every_rank_with_its_line()
    {
        var psi = new ProcessStartInfo("ompi_info", ["--parsable", "--all"]) { RedirectStandardOutput = true, UseShellExecute = false };
        using (var info = Process.Start(psi)!)
        {
            var text = info.StandardOutput.ReadToEnd();
            info.WaitForExit();
            Assert.Contains("mpi_built_with_cuda_support:value:false", text);
        }
        var on = MpiRun.Run(2, new Dictionary<string, string> { [MpiWorld.CudaSwitch] = "on" }, "info");
        Assert.NotEqual(0, on.ExitCode);
        var lines = on.Stderr.Split('\n').Where(l => l.StartsWith("videovcreg: ")).ToList();
        Assert.Equal(2, lines.Count);
        Assert.All(lines, l => Assert.StartsWith("videovcreg: VIDEOVCREG_MPI_CUDA=on, but this MPI library is not CUDA-aware", l));
        // auto (the default) stages through host memory and runs.
        var auto = MpiRun.Run(2, new Dictionary<string, string> { [MpiWorld.CudaSwitch] = "auto" }, "info");
        Assert.True(auto.ExitCode == 0, auto.Stdout + auto.Stderr);
    }
}
