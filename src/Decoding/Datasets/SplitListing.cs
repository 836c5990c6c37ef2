namespace VideoVCReg.Decoding.Datasets;

/// <summary>
/// One split-file entry: the video it names, its class, a stable id (what multi-view scores merge on), where it was
/// listed ("file:line") and its hold-out group (clips of one source video stay on one side of a validation cut).
/// </summary>
/// <param name="NotFound">
/// Set by a layout that finds videos by name (Kinetics) when none was found: <paramref name="Path"/> is then only a
/// stand-in that keeps the entry's identity for repeats and leaks, and this says what was searched for, since the
/// stand-in is a path the user never had.
/// </param>
public sealed record ListedVideo(string Path, int Label, string Id, string Where, string Group, string? NotFound = null)
{
    /// <summary>The video in a message: its file, or its id when the path is a stand-in.</summary>
    public string Name => NotFound is null ? Path : Id;

    /// <summary>Why the video is absent, as a check reports it after its "file:line".</summary>
    public string Absence => NotFound ?? $"lists {Id}, but {Path} does not exist";
}

/// <summary>
/// One split of a dataset as its files list it, before anything is checked on disk: classes (index = label), train and
/// test entries in file order, and the lines that could not be taken (malformed, or naming a path outside the video
/// folder). <see cref="DatasetSplits"/> turns it into training data; <see cref="DatasetCheck"/> reports on it.
/// </summary>
public sealed record SplitListing(string Source, IReadOnlyList<string> Classes, IReadOnlyList<ListedVideo> Train, IReadOnlyList<ListedVideo> Test,
    IReadOnlyList<DatasetProblem> Problems)
{
    /// <summary>
    /// Split <paramref name="split"/> of <paramref name="spec"/>. No split files at all (a bare videos/ tree) throws
    /// <see cref="InvalidDataException"/> naming what was looked for.
    /// </summary>
    public static SplitListing Read(DatasetSpec spec, int split)
    {
        if (!Directory.Exists(spec.Dir)) throw new DirectoryNotFoundException($"{spec.Dir}: no such dataset folder");
        return spec.Layout switch
        {
            DatasetLayout.Hmdb51 => Hmdb51.Listing(spec.Dir, split),
            DatasetLayout.Ucf101 => Ucf101.Listing(spec.Dir, split),
            DatasetLayout.Kinetics => KineticsCsv.Listing(spec.Dir),
            DatasetLayout.List => ListFile.Listing(spec.Dir, spec.VideoRoot),
            _ => throw new ArgumentOutOfRangeException(nameof(spec)),
        };
    }
}

/// <summary>Whether a listed path stays inside the dataset's video folder (a split file must not reach /etc/passwd).</summary>
static class VideoFolder
{
    /// <summary>
    /// Lexical: a symbolic link inside the folder that points elsewhere is allowed, since datasets are often assembled
    /// from links to shared storage. So a `..` in what the split file lists is refused outright: after such a link the
    /// kernel's parent is not the one the text shows, and `jump/../walk/x.avi` would be labelled by a folder it is not in.
    /// </summary>
    /// <param name="listed">The path as the split file gives it; <paramref name="path"/> is where it leads.</param>
    public static bool Contains(string folder, string path, string listed)
    {
        if (listed.Split('/', '\\').Contains("..")) return false;
        var full = Path.GetFullPath(folder);
        var root = full == "/" ? full : Path.TrimEndingDirectorySeparator(full) + Path.DirectorySeparatorChar;
        return Path.GetFullPath(path).StartsWith(root, StringComparison.Ordinal);
    }

    public static string Leaves(string listed, string folder) => listed.Split('/', '\\').Contains("..")
        ? $"'{listed}' climbs with '..', which a split file must not (a symbolic link would change where it leads); refused"
        : $"'{listed}' leaves the dataset's video folder {Path.GetFullPath(folder)}; refused";
}
