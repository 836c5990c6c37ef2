using System.Diagnostics;

namespace VideoVCReg.Tests.Support;

/// <summary>Runs a reference script with Debian's /usr/bin/python3 (PyTorch, torchvision); returns stdout, fails the test on error.</summary>
public static class PythonScript
{
    public static string Run(string script, params string[] args)
    {
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(script);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{Path.GetFileName(script)} {string.Join(' ', args)} failed: {err.Result}");
        return output;
    }
}
