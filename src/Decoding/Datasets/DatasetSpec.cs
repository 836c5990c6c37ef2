using System.Globalization;

namespace VideoVCReg.Decoding.Datasets;

public enum DatasetLayout { Hmdb51, Ucf101, Kinetics, List }

/// <summary>
/// What `--data` names for video: a layout and its folder, <c>hmdb51:DIR</c> (also a bare DIR), <c>ucf101:DIR</c>,
/// <c>kinetics:DIR</c> or <c>list:DIR</c>. HMDB51 and UCF101 have three official splits; Kinetics (train / validate) and
/// a list folder (train / test) have one, so for them <c>--split all</c> means that one and 2 or 3 is refused.
/// <see cref="VideoRoot"/> is where a list folder's relative paths start (VideoMAE's prefix); the other layouts find
/// their videos themselves.
/// </summary>
public sealed record DatasetSpec(DatasetLayout Layout, string Dir, string? VideoRoot = null)
{
    public const string Accepted = "hmdb51:DIR (or a bare DIR), ucf101:DIR, kinetics:DIR or list:DIR";

    static readonly Dictionary<string, DatasetLayout> Prefixes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["hmdb51"] = DatasetLayout.Hmdb51, ["ucf101"] = DatasetLayout.Ucf101, ["kinetics"] = DatasetLayout.Kinetics, ["list"] = DatasetLayout.List,
    };

    /// <summary>The spec of <paramref name="text"/>; a prefix that is no layout, an empty folder or a misplaced video root is a one-line error.</summary>
    /// <param name="option">The option that gave the text, for the message (`predict --classes` takes specs too).</param>
    public static DatasetSpec Parse(string text, string? videoRoot = null, string option = "--data")
    {
        int colon = text.IndexOf(':');
        var layout = DatasetLayout.Hmdb51;
        var dir = text;
        if (colon > 0 && Prefixes.TryGetValue(text[..colon], out var named)) (layout, dir) = (named, text[(colon + 1)..]);
        // A word and a colon with no folder of that name is a mistyped layout, not an HMDB51 folder called "kinetcs:x".
        else if (colon > 0 && text[..colon].All(char.IsAsciiLetterOrDigit) && !Directory.Exists(text))
            throw new FormatException($"{option} {text}: '{text[..colon]}' is not a dataset layout; give {Accepted}");
        if (dir.Length == 0) throw new FormatException($"{option} {text}: no folder after '{text[..(colon + 1)]}'; give {Accepted}");
        if (videoRoot is not null && layout != DatasetLayout.List)
            throw new FormatException($"--video-root is for list:DIR (VideoMAE list files); {Name(layout)}:DIR finds its videos itself");
        return new DatasetSpec(layout, dir, videoRoot);
    }

    public static string Name(DatasetLayout layout) => layout.ToString().ToLowerInvariant();

    public string Text => $"{Name(Layout)}:{Dir}";

    public IReadOnlyList<int> Splits => Layout is DatasetLayout.Hmdb51 or DatasetLayout.Ucf101 ? [1, 2, 3] : [1];

    /// <summary>The splits a `--split` value names: 1, 2, 3, a comma list or all; all is every split this layout has.</summary>
    public IReadOnlyList<int> Folds(string split)
    {
        if (split.Trim() == "all") return Splits;
        var parts = split.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var list = parts.Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var k) && Splits.Contains(k) ? k : -1).Distinct().ToList();
        if (list.Count == 0 || list.Contains(-1))
            throw new FormatException(Splits.Count == 1
                ? $"Data:Split (--split): {Text} has one split (train and {(Layout == DatasetLayout.Kinetics ? "validate" : "test")}); give 1 or all (got '{split}')"
                : $"Data:Split (--split) must be 1, 2, 3, a comma list of them or all (got '{split}')");
        return list;
    }
}
