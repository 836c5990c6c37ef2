namespace VideoVCReg.Models.Checkpoints;

/// <summary>
/// The one-line description of a state_dict that does not fit a model: counts of missing, unexpected and mis-shaped keys,
/// each with its first few names. A checkpoint of another architecture lists hundreds of keys; the line stays readable.
/// </summary>
public static class KeyMismatch
{
    public const int Shown = 6;

    public static string Describe(IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> shapes)
    {
        var parts = new List<string>();
        if (missing.Count > 0) parts.Add($"missing {missing.Count} [{First(missing, ", ")}]");
        if (unexpected.Count > 0) parts.Add($"unexpected {unexpected.Count} [{First(unexpected, ", ")}]");
        if (shapes.Count > 0) parts.Add($"shape mismatch {shapes.Count} [{First(shapes, "; ")}]");
        return string.Join("; ", parts);
    }

    static string First(IReadOnlyList<string> names, string separator) =>
        names.Count <= Shown ? string.Join(separator, names) : $"{string.Join(separator, names.Take(Shown))}{separator}… {names.Count - Shown} more";
}
