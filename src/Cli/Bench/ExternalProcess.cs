using System.Diagnostics;

namespace VideoVCReg.Cli.Bench;

/// <summary>Runs a helper program (ffmpeg, the PyAV peer) and returns its stdout; failures name the program and its stderr.</summary>
static class ExternalProcess
{
    public static string Run(string file, IEnumerable<string> args, CancellationToken cancel)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e) { throw new InvalidOperationException($"{file}: cannot start ({e.Message})"); }
        using (p)
        using (cancel.Register(() => { try { p.Kill(true); } catch (InvalidOperationException) { } }))
        {
            var err = p.StandardError.ReadToEndAsync();
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            cancel.ThrowIfCancellationRequested();
            if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', psi.ArgumentList)} failed: {err.Result.Trim()}");
            return output;
        }
    }
}
