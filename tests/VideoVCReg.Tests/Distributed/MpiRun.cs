using System.Diagnostics;

namespace VideoVCReg.Tests.Distributed;

/// <summary>Starts the built `videovcreg` under Open MPI's mpirun, as users do (as root here, which Open MPI wants confirmed).</summary>
static class MpiRun
{
    public static Support.CliProcess.Result Run(int ranks, params string[] args) => Run(ranks, new Dictionary<string, string>(), args);

    /// <summary>With <paramref name="environment"/> set for mpirun and passed on to every rank (mpirun -x).</summary>
    public static Support.CliProcess.Result Run(int ranks, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var p = Start(ranks, environment, args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5))) { p.Kill(true); throw new TimeoutException($"mpirun videovcreg {string.Join(' ', args)} hung"); }
        return new(p.ExitCode, stdout.Result, stderr.Result);
    }

    public static Process Start(int ranks, params string[] args) => Start(ranks, new Dictionary<string, string>(), args);

    static Process Start(int ranks, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var psi = new ProcessStartInfo("mpirun") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (name, value) in environment)
        {
            psi.Environment[name] = value;
            psi.ArgumentList.Add("-x");
            psi.ArgumentList.Add(name);
        }
        foreach (var a in new[] { "--oversubscribe", "-np", ranks.ToString(), "dotnet", Path.Combine(AppContext.BaseDirectory, "videovcreg.dll") }) psi.ArgumentList.Add(a);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        psi.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        return Process.Start(psi)!;
    }
}
