using System.Diagnostics;

namespace VideoVCReg.Tests.Support;

/// <summary>Runs the built `videovcreg` as a real process, the way users and scripts do.</summary>
public static class CliProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(params string[] args) => RunIn(null, args);

    public static Result RunIn(string? workingDir, params string[] args) => RunWith(workingDir, null, args);

    /// <summary>As <see cref="RunIn"/>, with environment changes for the child (a null value removes the variable).</summary>
    public static Result RunWith(string? workingDir, IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "videovcreg.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDir != null) psi.WorkingDirectory = workingDir;
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
            if (value is null) psi.Environment.Remove(name); else psi.Environment[name] = value;
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5))) { p.Kill(true); throw new TimeoutException($"videovcreg {string.Join(' ', args)} hung"); }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}
