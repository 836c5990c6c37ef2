using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Sweeps;

/// <summary>
/// What Slurm says about a submitted sweep, with sbatch, squeue, sacct and scancel replaced by scripts that answer from files
/// and record their calls: the states the scripts give (a cancelled task, a final job that can never start) are the ones the
/// real one-node cluster gave (SlurmSweepTests), without the minutes that cluster takes.
/// </summary>
public class SlurmStateTests : IDisposable
{
    readonly string work = Directory.CreateTempSubdirectory("slurm-state-").FullName;
    string Bin => Path.Combine(work, "bin");
    string Calls => Path.Combine(work, "calls");

    public SlurmStateTests()
    {
        Directory.CreateDirectory(Bin);
        var scripts = new Dictionary<string, string>
        {
            ["sbatch"] = "n=$(cat \"$FAKE/next\"); echo $((n + 1)) > \"$FAKE/next\"; echo \"sbatch $*\" >> \"$FAKE/calls\"; echo \"$n\"",
            ["squeue"] = "while [ $# -gt 0 ]; do [ \"$1\" = -j ] && job=$2; shift; done; cat \"$FAKE/squeue-$job\" 2>/dev/null; exit 0",
            ["sacct"] = "exit 1",   // accounting off, as on the local cluster
            ["scancel"] = "echo \"scancel $*\" >> \"$FAKE/calls\"",
        };
        foreach (var (name, body) in scripts)
        {
            var path = Path.Combine(Bin, name);
            File.WriteAllText(path, "#!/bin/bash\n" + body + "\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        File.WriteAllText(Path.Combine(work, "next"), "101");
        File.WriteAllText(Calls, "");
    }

    public void Dispose() => Directory.Delete(work, true);

    CliProcess.Result Run(params string[] args) => CliProcess.RunWith(null, new Dictionary<string, string?>
    {
        ["PATH"] = $"{Bin}:{Environment.GetEnvironmentVariable("PATH")}", ["FAKE"] = work,
    }, args);

    [Fact]
    public void A_cancelled_array_task_shows_as_cancelled_and_a_resubmit_replaces_the_stuck_final_job()
    {
        var dir = Path.Combine(work, "sweep");
        string[] submit = ["sweep", "--alpha", "1", "--beta", "0.1,0.5,0.9", "--out", dir, "--model", "tiny", "--slurm", "--cpus-per-task", "1"];
        var first = Run(submit);
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Contains("submitted: array job 101 (3 tasks), final job 102 after it", first.Stdout);

        // scancel 101_0 (running, before its trial wrote anything) and 101_2 (queued: squeue drops such a task, as the real
        // cluster does); the final job waits on afterok for ever.
        File.WriteAllText(Path.Combine(work, "squeue-101"), "101_0|CANCELLED\n101_1|RUNNING\n");
        File.WriteAllText(Path.Combine(work, "squeue-102"), "PENDING|DependencyNeverSatisfied\n");
        var summary = Run("sweep", "--summary", dir);
        Assert.True(summary.ExitCode == 0, summary.Stderr);
        Assert.Contains("| trial-000 | --alpha 1 --beta 0.1 | cancelled | Slurm 101_0 CANCELLED |", summary.Stdout);
        Assert.Contains("| trial-001 | --alpha 1 --beta 0.5 | pending | Slurm 101_1 RUNNING |", summary.Stdout);
        Assert.Contains("| trial-002 | --alpha 1 --beta 0.9 | cancelled | Slurm 101_2 no longer queued |", summary.Stdout);
        Assert.Contains("The final job 102 will never start", summary.Stdout);

        // The same command again: a new array and a final job after it and after the old array's running task; the stuck one cancelled.
        var again = Run(submit);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Contains("submitted: array job 103 (3 tasks), final job 104 after it", again.Stdout);
        var calls = File.ReadAllLines(Calls);
        Assert.Equal($"sbatch --parsable --dependency=afterok:103,afterany:101 {Path.Combine(dir, "final.sbatch")}", calls[3]);
        Assert.Equal("scancel 102", calls[4]);
        Assert.Equal(5, calls.Length);
    }
}
