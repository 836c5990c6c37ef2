using VideoVCReg.Experiment.Sweeps;
using VideoVCReg.FineTune;

namespace VideoVCReg.Tests.FineTune;

/// <summary>Run folders and sweep claims share one lock design: held means held, the note names the holder, release frees it.</summary>
public class FolderLockTests
{
    [Fact]
    public void A_held_lock_is_refused_names_its_holder_and_is_free_again_once_released()
    {
        var dir = Directory.CreateTempSubdirectory("folder-lock-").FullName;
        try
        {
            using (var run = RunFolder.Acquire(dir))
            {
                var e = Assert.Throws<IOException>(() => RunFolder.Acquire(dir));
                Assert.Equal($"{dir}: another run is using this folder (pid {Environment.ProcessId} on {Environment.MachineName}, since ", e.Message[..(e.Message.IndexOf("since ") + 6)]);
                Assert.EndsWith("Z); wait for it or choose another --out", e.Message);
                // The run's lock and a sweep's claim are separate files under the one design.
                using var claim = SweepWorker.TryClaim(dir);
                Assert.NotNull(claim);
                Assert.Null(FolderLock.TryTake(dir, SweepWorker.ClaimFile));
                Assert.StartsWith($"pid {Environment.ProcessId} on {Environment.MachineName}", FolderLock.Owner(dir, SweepWorker.ClaimFile));
            }
            using var again = RunFolder.Acquire(dir);
            using var claimAgain = FolderLock.TryTake(dir, SweepWorker.ClaimFile);
            Assert.NotNull(claimAgain);
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>The owner note is a courtesy: a note path that cannot be written never costs the lock; a status probe writes none.</summary>
    [Fact]
    public void An_unwritable_owner_note_does_not_cost_the_lock_and_a_status_probe_writes_no_note()
    {
        var dir = Directory.CreateTempSubdirectory("folder-lock-note-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, SweepWorker.ClaimFile + "-owner"));
            using (var claim = FolderLock.TryTake(dir, SweepWorker.ClaimFile)) Assert.NotNull(claim);
            var quiet = Path.Combine(dir, "quiet");
            Directory.CreateDirectory(quiet);
            using (var probe = FolderLock.TryTake(quiet, SweepWorker.ClaimFile, note: false)) Assert.NotNull(probe);
            Assert.False(File.Exists(Path.Combine(quiet, SweepWorker.ClaimFile + "-owner")));
            Assert.Equal("", FolderLock.Owner(quiet, SweepWorker.ClaimFile));
        }
        finally { Directory.Delete(dir, true); }
    }
}
