using System.Diagnostics;

namespace VideoVCReg.Tests.Distributed;

/// <summary>Starts the built `videovcreg` under Open MPI's mpirun, as users do (as root here, which Open MPI wants confirmed).</summary>
static class MpiRun
{
    public static Support.CliProcess.Result Run(int ranks, params string[] args)
    {
        using var p = Start(ranks, args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5))) { p.Kill(true); throw new TimeoutException($"mpirun videovcreg {string.Join(' ', args)} hung"); }
        return new(p.ExitCode, stdout.Result, stderr.Result);
    }

    public static Process Start(int ranks, params string[] args)
    {
        var psi = new ProcessStartInfo("mpirun") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--oversubscribe", "-np", ranks.ToString(), "dotnet", Path.Combine(AppContext.BaseDirectory, "videovcreg.dll") }) psi.ArgumentList.Add(a);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        psi.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        return Process.Start(psi)!;
    }
}
