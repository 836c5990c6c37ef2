using System.Diagnostics;
using VideoVCReg.FineTune;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.FineTune;

/// <summary>
/// A run folder on a read-only file system (a results share mounted read-only, a finished run archived) is named as not
/// writable, not as in use by the process its .lock-owner names. The tests run as root, where chmod stops no write, so the
/// folder is a read-only bind mount of a finished run (the kernel's EROFS, as on a real read-only share); without the
/// right to mount (not root), chmod 0555 stands in for it.
/// </summary>
public class ReadOnlyRunFolderTests
{
    static int Sh(string command)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command);
        using var p = Process.Start(psi)!;
        p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode;
    }

    [Fact]
    public void A_read_only_run_folder_is_named_not_writable_and_not_in_use()
    {
        var work = Directory.CreateTempSubdirectory("readonly-run-").FullName;
        var source = Path.Combine(work, "source");
        var run = Path.Combine(work, "run");
        Directory.CreateDirectory(source);
        Directory.CreateDirectory(run);
        // A finished run as an earlier process left it: its lock file, and the owner note of a process long gone.
        File.WriteAllText(Path.Combine(source, "report.json"), "{}");
        File.WriteAllText(Path.Combine(source, ".lock"), "");
        File.WriteAllText(Path.Combine(source, ".lock-owner"), "pid 999999 since 2020-01-01 00:00:00Z");
        bool mounted = Environment.UserName == "root";
        try
        {
            if (mounted)
                Assert.True(Sh($"mount --bind '{source}' '{run}' && mount -o remount,bind,ro '{run}'") == 0,
                    "as root, a read-only bind mount is how this test makes a read-only folder; mount failed (no CAP_SYS_ADMIN?)");
            else
            {
                Directory.Delete(run);
                Directory.Move(source, run);
                Assert.Equal(0, Sh($"chmod 0444 '{run}/.lock' && chmod 0555 '{run}'"));
            }
            Assert.NotEqual(0, Sh($"touch '{run}/probe'"));   // the folder really is read-only

            var e = Assert.Throws<IOException>(() => RunFolder.Acquire(run));
            Assert.StartsWith($"{run}: the folder is not writable (", e.Message);
            Assert.DoesNotContain("another run", e.Message);
            Assert.DoesNotContain("999999", e.Message);

            var r = CliProcess.Run("probe", "--arch", "resnet32", "--force", "--threads", "1", "--out", run);
            Assert.Equal(1, r.ExitCode);
            Assert.Equal($"videovcreg: {e.Message}", r.Stderr.Trim());

            // The lock itself still tells a run in progress apart: held here, the folder is in use, writable or not.
            if (mounted) Assert.Equal(0, Sh($"umount '{run}'"));
            mounted = false;
            using (new FileStream(Path.Combine(source, ".lock"), FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                Assert.Contains("another run is using this folder", Assert.Throws<IOException>(() => RunFolder.Acquire(source)).Message);
        }
        finally
        {
            if (mounted) Sh($"umount '{run}'");
            Sh($"chmod -R u+w '{work}'");
            Directory.Delete(work, true);
        }
    }
}
