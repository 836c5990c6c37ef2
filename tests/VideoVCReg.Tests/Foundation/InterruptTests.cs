using System.Diagnostics;

namespace VideoVCReg.Tests.Foundation;

public class InterruptTests
{
    [Fact]
    public async Task Long_work_stops_cleanly_on_a_termination_signal()
    {
        // SIGTERM takes the same path as Ctrl+C (the verb's token is cancelled); unlike SIGINT it cannot
        // arrive pre-ignored from a runner started in the background, so the test means the same everywhere.
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "videovcreg.dll"), "bench", "vcreg", "--rounds", "1000", "--threads", "1" })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        await Task.Delay(TimeSpan.FromSeconds(4)); // let it get into the measured work
        Assert.False(p.HasExited, "the benchmark ended on its own: the test would prove nothing");
        using (var kill = Process.Start("kill", ["-TERM", p.Id.ToString()])) kill.WaitForExit();
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)), "did not stop after SIGTERM");
        Assert.Equal(130, p.ExitCode);
        Assert.Contains("videovcreg: stopped (interrupted)", await stderr);
    }
}
