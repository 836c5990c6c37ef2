namespace VideoVCReg.FineTune;

/// <summary>
/// The one lock design for folders that one process at a time may work in: a run folder (<c>.lock</c>, <see cref="RunFolder"/>)
/// and a sweep trial or final stage (<c>.claim</c>). An exclusive OS file lock on FILE, released when the process ends however
/// it ends, and beside it FILE-owner naming the holder (pid, host, Slurm job, since when), because the locked file itself
/// cannot be read while held.
/// </summary>
public sealed class FolderLock : IDisposable
{
    readonly FileStream stream;

    FolderLock(FileStream stream) => this.stream = stream;

    /// <summary>
    /// Takes the lock, or returns null when another process holds it. A folder that cannot be written (a read-only file system)
    /// or a lock path that is a folder is an error naming <paramref name="shown"/> (default: the folder), never "held".
    /// </summary>
    /// <param name="note">Write the owner note; off for a status probe, which holds the lock for microseconds and is no holder worth naming.</param>
    /// <param name="shared">A shared lock, which other shared holders may hold at once and which keeps out exclusive ones (an
    /// array task's hold on its run folder: the other splits' tasks run beside it, a whole run or a --force clear does not).</param>
    public static FolderLock? TryTake(string folder, string file, string? shown = null, bool note = true, bool shared = false)
    {
        shown ??= folder;
        var path = Path.Combine(folder, file);
        FileStream taken;
        try
        {
            // FileShare.None takes an exclusive flock on Unix, a read-only open with sharing a shared one: held until this
            // process closes it or dies.
            taken = shared
                ? new FileStream(path, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite)
                : new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (UnauthorizedAccessException e) when (Directory.Exists(path))
        {
            throw new IOException($"{path}: the folder's lock file is a folder ({e.Message}); remove it or choose another --out");
        }
        catch (UnauthorizedAccessException e) { throw RunFolder.NotWritable(shown, new IOException(e.Message, e)); }
        catch (IOException e) when (!RunFolder.HeldByAnother(path)) { throw RunFolder.NotWritable(shown, e); }
        catch (IOException) { return null; }
        if (!note) return new FolderLock(taken);
        try { File.WriteAllText(path + "-owner", $"pid {Environment.ProcessId} on {Environment.MachineName}{SlurmJob()}, since {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss}Z"); }
        // Only a courtesy for the messages that name the holder: a note path that is a folder or not ours must not stop the run.
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return new FolderLock(taken);
    }

    /// <summary>
    /// The Slurm job for the note: an array task as squeue and scancel name it (ARRAY_TASK), since its own SLURM_JOB_ID is
    /// a number no user typed.
    /// </summary>
    static string SlurmJob()
    {
        var (job, array, task) = (Environment.GetEnvironmentVariable("SLURM_JOB_ID"), Environment.GetEnvironmentVariable("SLURM_ARRAY_JOB_ID"),
            Environment.GetEnvironmentVariable("SLURM_ARRAY_TASK_ID"));
        return array is not null && task is not null ? $", Slurm job {array}_{task}" : job is not null ? $", Slurm job {job}" : "";
    }

    /// <summary>Who holds (or last held) the lock, as its owner note says; empty when there is none.</summary>
    public static string Owner(string folder, string file)
    {
        try { return File.ReadAllText(Path.Combine(folder, file + "-owner")).Trim(); }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
    }

    public void Dispose() => stream.Dispose();
}
