namespace VideoVCReg.Decoding.Images;

/// <summary>One image file of a folder tree: its path, class index and id (the path under the tree's root).</summary>
public sealed record ImageFile(string Path, int Label, string Id);

/// <summary>The images of one subset (train or val) of an ImageFolder tree, with the class list shared by both.</summary>
public sealed record ImageFolderSet(string Root, IReadOnlyList<string> Classes, IReadOnlyList<ImageFile> Files)
{
    public int Count => Files.Count;

    public ImageFolderSet Subset(IEnumerable<int> indices) => this with { Files = [.. indices.Select(i => Files[i])] };
}

/// <summary>
/// torchvision's ImageFolder layout: <c>ROOT/&lt;class&gt;/&lt;file&gt;</c>, classes the sorted subfolder names (ordinal),
/// files sorted within each class, the extensions torchvision accepts. A tree's val/ must use train/'s classes.
/// A link to a folder anywhere in the tree is refused: torchvision follows it (os.walk(followlinks=True)), and a link
/// back up the tree (<c>ln -s .. train/cat/up</c>) then files every image again under the wrong class, thousands of
/// times over. Links to files are read as the files they name, inside the tree or out: they cannot loop, and each
/// counts once under the folder that holds it.
/// </summary>
public static class ImageFolder
{
    /// <summary>torchvision's IMG_EXTENSIONS.</summary>
    public static readonly string[] Extensions = [".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp"];

    /// <summary>Scans <paramref name="root"/>; with <paramref name="classes"/> given (train's), every folder must be one of them.</summary>
    public static ImageFolderSet Scan(string root, IReadOnlyList<string>? classes = null)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"{root}: image folder not found");
        var folders = Directory.GetDirectories(root).Select(d => Path.GetFileName(RealFolder(d))!).Order(StringComparer.Ordinal).ToList();
        if (folders.Count == 0) throw new InvalidDataException($"{root}: no class folders (ImageFolder layout: {root}/<class>/<image>)");
        if (classes is not null && folders.FirstOrDefault(f => !classes.Contains(f)) is string unknown)
            throw new InvalidDataException($"{Path.Combine(root, unknown)}: class '{unknown}' is not among the training classes");
        classes ??= folders;
        var files = new List<ImageFile>();
        foreach (var folder in folders)
        {
            int label = classes.ToList().IndexOf(folder);
            var dir = Path.Combine(root, folder);
            foreach (var file in FilesUnder(dir).Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal))
                files.Add(new ImageFile(file, label, Path.GetRelativePath(root, file)));
        }
        if (files.Count == 0) throw new InvalidDataException($"{root}: no image files ({string.Join(", ", Extensions)}) in its class folders");
        return new ImageFolderSet(root, classes, files);
    }

    /// <summary>Every file below <paramref name="dir"/>, entering real folders only.</summary>
    static IEnumerable<string> FilesUnder(string dir)
    {
        foreach (var entry in new DirectoryInfo(dir).EnumerateFileSystemInfos())
            if (entry is DirectoryInfo sub)
                foreach (var file in FilesUnder(RealFolder(sub.FullName))) yield return file;
            else yield return entry.FullName;
    }

    static string RealFolder(string dir)
    {
        if (new DirectoryInfo(dir).LinkTarget is string target)
            throw new InvalidDataException($"{dir}: a link to a folder ({target}) is not followed (one back up the tree files every image again under this class); replace it with the folder or remove it");
        return dir;
    }
}
