using System.Globalization;

namespace VideoVCReg.Decoding.Datasets;

/// <summary>
/// VideoMAE's annotation lists (train.csv / val.csv / test.csv): one <c>path label</c> per line, space separated,
/// the label last. Relative paths are taken from <paramref name="videoRoot"/> (default: the list's folder).
/// Class names are unknown, so they are the label numbers.
/// </summary>
public static class ListFile
{
    public static MediaDataset Load(string listPath, string? videoRoot = null)
    {
        if (!File.Exists(listPath)) throw new FileNotFoundException($"{listPath}: no such list file", listPath);
        var root = videoRoot ?? Path.GetDirectoryName(Path.GetFullPath(listPath))!;
        var items = new List<MediaItem>();
        int n = 0;
        foreach (var raw in File.ReadLines(listPath))
        {
            n++;
            var line = raw.Trim();
            if (line.Length == 0) continue;
            int cut = line.LastIndexOfAny([' ', '\t']);
            if (cut <= 0 || !int.TryParse(line[(cut + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int label))
                throw new InvalidDataException($"{listPath}:{n}: expected '<path> <label>', got '{line}'");
            var path = line[..cut].Trim();
            items.Add(new MediaItem(Path.IsPathRooted(path) ? path : Path.Combine(root, path), label, path));
        }
        int classes = items.Count == 0 ? 0 : items.Max(i => i.Label) + 1;
        return new MediaDataset(listPath, [.. Enumerable.Range(0, classes).Select(i => i.ToString(CultureInfo.InvariantCulture))], items);
    }
}
