using System.Globalization;
using System.Text.Json;

namespace VideoVCReg.Experiment.Sweeps;

/// <summary>
/// The <c>Grid</c> section of a recipe or configuration file: the values of each configuration key the paper searched over
/// (appendix A, C.1, C.2, C.4), as <c>sweep --recipe R</c> and <c>sweep --config F</c> turn them into axes. Only keys the sweep
/// can vary are accepted, so a grid never names a setting that its trials would silently leave alone.
/// </summary>
public static class ConfigGrid
{
    /// <summary>The configuration keys a grid may name, and the trial option each becomes.</summary>
    public static readonly IReadOnlyDictionary<string, string> Options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["Regularizer:Alpha"] = "--alpha",
        ["Regularizer:Beta"] = "--beta",
    };

    /// <summary>The file's grid as axes in the file's order; null when it has no Grid section.</summary>
    public static IReadOnlyList<SweepAxis>? Read(string path)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not valid JSON ({e.Message})"); }
        using (doc)
        {
            if (!doc.RootElement.TryGetProperty("Grid", out var grid)) return null;
            if (grid.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{path}: Grid must be an object of configuration keys and value lists");
            var axes = new List<SweepAxis>();
            foreach (var entry in grid.EnumerateObject())
            {
                if (!Options.TryGetValue(entry.Name, out var option))
                    throw new InvalidDataException($"{path}: Grid key '{entry.Name}' is not one a sweep varies ({string.Join(", ", Options.Keys)})");
                if (entry.Value.ValueKind != JsonValueKind.Array || entry.Value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.Number))
                    throw new InvalidDataException($"{path}: Grid '{entry.Name}' must be a list of numbers");
                axes.Add(new SweepAxis(option, [.. entry.Value.EnumerateArray().Select(v => v.GetDouble().ToString("R", CultureInfo.InvariantCulture))]));
            }
            return axes;
        }
    }
}
