using System.Diagnostics;
using VideoVCReg.Runtime.Distributed.Mpi;

namespace VideoVCReg.Tests.Distributed;

/// <summary>
/// The MPI binding hard-codes which global symbol each Open MPI handle is, MPI_IN_PLACE, MPI_STATUS_IGNORE and two constants; a C program
/// built by the installed compiler wrapper (mpicc) compares each with what mpi.h says, so another MPI, or an Open MPI
/// that changed them, fails here rather than corrupting memory.
/// </summary>
public class MpiLayoutTests
{
    [Fact]
    public void Every_handle_and_constant_the_binding_uses_is_what_mpi_h_says()
    {
        var dir = Directory.CreateTempSubdirectory("videovcreg-mpi-").FullName;
        var source = Path.Combine(dir, "handles.c");
        File.WriteAllLines(source,
        [
            "#include <stdio.h>", "#include <mpi.h>", "int main(void) {",
            .. MpiNative.Symbols.Select(kv => $"  printf(\"{kv.Key} %d\\n\", (void *)({kv.Key}) == (void *)&{kv.Value});"),
            "  printf(\"MPI_IN_PLACE %ld\\n\", (long)MPI_IN_PLACE);",
            "  printf(\"MPI_STATUS_IGNORE %ld\\n\", (long)MPI_STATUS_IGNORE);",
            "  printf(\"MPI_THREAD_SERIALIZED %d\\n\", (int)MPI_THREAD_SERIALIZED);",
            "  printf(\"MPI_SUCCESS %d\\n\", (int)MPI_SUCCESS);",
            "  return 0;", "}",
        ]);
        var exe = Path.Combine(dir, "handles");
        Run("mpicc", source, "-o", exe);
        var probed = Run(exe).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).ToDictionary(p => p[0], p => long.Parse(p[1]));
        foreach (var (handle, symbol) in MpiNative.Symbols) Assert.True(probed[handle] == 1, $"{handle} is not &{symbol}");
        Assert.Equal((long)MpiNative.InPlace, probed["MPI_IN_PLACE"]);
        Assert.Equal((long)MpiNative.StatusIgnore, probed["MPI_STATUS_IGNORE"]);
        Assert.Equal(MpiNative.ThreadSerialized, probed["MPI_THREAD_SERIALIZED"]);
        Assert.Equal(MpiNative.Success, probed["MPI_SUCCESS"]);
        Directory.Delete(dir, true);
    }

    static string Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)}: {error.Result}");
        return output.Result;
    }
}
