namespace VideoVCReg.FineTune;

/// <summary>
/// Exclusive use of a run's output folder. One process at a time holds <c>.lock</c> in it (an OS file lock,
/// released when the process ends, however it ends); a second run into the same folder is refused with one
/// line naming the holder. The folder's state decides what a new run may do: an empty folder is used; a
/// finished run (<c>report.json</c> written) is never overwritten unless asked (<c>--force</c>); an
/// unfinished one (checkpoints or metrics, no report) is resumed, or started over with <c>--force</c>.
/// </summary>
public sealed class RunFolder : IDisposable
{
    /// <summary>The file whose presence marks a finished run.</summary>
    public const string FinishedMarker = "report.json";

    const string LockFile = ".lock";

    readonly FolderLock folderLock;

    public string Path { get; }

    RunFolder(string path, FolderLock folderLock) => (Path, this.folderLock) = (path, folderLock);

    public static RunFolder Acquire(string path)
    {
        var full = Created(path);
        return new RunFolder(full, FolderLock.TryTake(full, LockFile, shown: path) ?? throw InUse(path, full));
    }

    /// <summary>The output folder's full path, created when missing; a path that cannot be one is a one-line error.</summary>
    static string Created(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new IOException("--out is empty: name an output folder");
        var full = System.IO.Path.GetFullPath(path);
        if (File.Exists(full)) throw new IOException($"{path}: is a file, not an output folder (--out)");
        try { Directory.CreateDirectory(full); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{path}: cannot be created as the output folder (--out): {e.Message}");
        }
        return full;
    }

    /// <summary>
    /// An array task's hold on its run folder (<c>--fold-task</c>): shared with the tasks of the other splits, refused while a
    /// whole run holds the folder, and refusing one (a --force that would clear the task's split) while the task runs. The
    /// task's own split folder it takes with <see cref="Acquire"/>.
    /// </summary>
    public static FolderLock Share(string path)
    {
        var full = Created(path);
        return FolderLock.TryTake(full, LockFile, shown: path, shared: true) ?? throw InUse(path, full);
    }

    /// <summary>The one refusal of a folder another process holds, naming it as its owner note does (the last task, for shared holders).</summary>
    static IOException InUse(string path, string full)
    {
        var holder = FolderLock.Owner(full, LockFile);
        return new IOException($"{path}: another run is using this folder{(holder.Length > 0 ? $" ({holder})" : "")}; wait for it or choose another --out");
    }

    /// <summary>
    /// Whether another process holds the lock on <paramref name="lockPath"/>, after an open that takes it failed. The exclusive
    /// open also fails on a read-only file system, which once read as "another run is using this folder" and named the process
    /// in .lock-owner, long gone.
    /// </summary>
    public static bool HeldByAnother(string lockPath)
    {
        try
        {
            // FileShare other than None takes a shared flock on Unix, refused only while another holds the exclusive one; a
            // read-only open works on a read-only file system.
            using var probe = new FileStream(lockPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        }
        catch (FileNotFoundException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
        catch (IOException) { return true; }
        try
        {
            // The shared probe got in beside array tasks' shared holds too, which are what refused an exclusive open; a
            // read-only file system refuses this write open instead.
            using var writable = new FileStream(lockPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>The one line for a folder a run cannot write: the system's reason (read-only file system, ...) without the path it repeats.</summary>
    public static IOException NotWritable(string folder, IOException e) =>
        new($"{folder}: the folder is not writable ({e.Message.Split(" : '")[0].TrimEnd('.')}); choose another --out", e);

    /// <summary>
    /// Creates a folder a run writes beside its output (--save-features), before any work, so a path that is a file or
    /// cannot be created costs one line at the start instead of failing after minutes of feature extraction.
    /// </summary>
    public static void CreateSideFolder(string path, string option)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new IOException($"{option} is empty: name a folder");
        if (File.Exists(path)) throw new IOException($"{path}: is a file, not a folder ({option})");
        try { Directory.CreateDirectory(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{path}: cannot be created as a folder ({option}): {e.Message}");
        }
    }

    /// <summary>A run finished here: its report is written.</summary>
    public bool Finished => File.Exists(System.IO.Path.Combine(Path, FinishedMarker));

    /// <summary>A run started here and did not finish: some split has metrics, a checkpoint or results, and there is no report.</summary>
    public bool Unfinished => !Finished && Directory.EnumerateDirectories(Path, "split*").Any(d =>
        new[] { "checkpoint-last.pth", "checkpoint-best.pth", "checkpoint-ema.pth", "metrics.jsonl", "results.json" }
            .Any(f => System.IO.Path.Exists(System.IO.Path.Combine(d, f))));

    /// <summary>The one refusal of a finished run, for every verb that writes a run folder.</summary>
    public static IOException FinishedRefusal(string outDir) =>
        new($"{outDir}: holds a finished run ({FinishedMarker}); use --force to replace it, or choose another --out");

    /// <summary>
    /// Takes the folder for a new run: a finished run is refused unless forced; forced, a run that is there (finished or not)
    /// is removed only after <paramref name="checkInputs"/> passed. A mistyped --data then fails in one line with the old run
    /// still there: probe and analyze once cleared first and lost report.json that way.
    /// </summary>
    /// <param name="resumes">The verb continues an unfinished run it finds (finetune, pretrain); probe and analyze do not,
    /// and writing beside another verb's checkpoints would leave a run that can neither resume nor be told apart.</param>
    public void Claim(string outDir, bool force, Action checkInputs, bool resumes = true)
    {
        if (Finished && !force) throw FinishedRefusal(outDir);
        if (Unfinished && !force && !resumes)
            throw new IOException($"{outDir}: holds an unfinished training run (split*/ with checkpoints or metrics) that this verb does not resume; use --force to replace it, or choose another --out");
        if (!force) return;
        if (Finished || Unfinished) checkInputs();
        Clear();
    }

    /// <summary>Removes what runs write here (splits, reports, plots), keeping caches such as the synthetic data.</summary>
    public void Clear()
    {
        foreach (var d in Directory.EnumerateDirectories(Path, "split*")) Directory.Delete(d, recursive: true);
        foreach (var f in new[] { "report.json", "report.md", "report.csv", "test_accuracy.png", "training_curves.png", "settings.json",
                     "confusion_matrix.csv", "confusion_matrix.png", "analysis.md", "analysis.csv", "spectrum.png" })
            File.Delete(System.IO.Path.Combine(Path, f));
    }

    public void Dispose() => folderLock.Dispose();
}
