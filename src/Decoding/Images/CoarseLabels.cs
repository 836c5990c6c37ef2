using System.Text.Json;

namespace VideoVCReg.Decoding.Images;

/// <summary>
/// A coarse labelling of a data set's classes, read from JSON:
/// <c>{"source": "…", "coarse": {"tops": ["T-shirt/top", "Pullover", …], "footwear": […]}}</c>. The coarse classes keep the
/// file's order. Every fine class must sit in exactly one coarse class, and every name must be a fine class, so a typo
/// cannot drop a class silently. <see cref="FolderFile"/> in a data folder is its coarse labelling.
/// </summary>
public sealed record CoarseLabels(string Path, IReadOnlyList<string> Classes, IReadOnlyDictionary<string, int> CoarseOf)
{
    public const string FolderFile = "coarse_labels.json";

    public static CoarseLabels Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: coarse label mapping not found", path);
        JsonElement coarse;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("coarse", out coarse) || coarse.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}: a coarse mapping is an object with \"coarse\": {{coarse name: [fine class, …], …}}");
            coarse = coarse.Clone();
        }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not valid JSON ({e.Message})"); }
        var classes = new List<string>();
        var of = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var group in coarse.EnumerateObject())
        {
            if (group.Value.ValueKind != JsonValueKind.Array || group.Value.EnumerateArray().Any(f => f.ValueKind != JsonValueKind.String))
                throw new InvalidDataException($"{path}: coarse class '{group.Name}' must list its fine classes as strings");
            foreach (var fine in group.Value.EnumerateArray().Select(f => f.GetString()!))
                if (!of.TryAdd(fine, classes.Count))
                    throw new InvalidDataException($"{path}: fine class '{fine}' is in both '{classes[of[fine]]}' and '{group.Name}'");
            classes.Add(group.Name);
        }
        if (classes.Count < 2) throw new InvalidDataException($"{path}: a coarse labelling needs at least two coarse classes (got {classes.Count})");
        return new CoarseLabels(path, classes, of);
    }

    /// <summary>The coarse class of each fine class, in <paramref name="fine"/>'s order.</summary>
    public int[] Map(IReadOnlyList<string> fine)
    {
        if (fine.FirstOrDefault(f => !CoarseOf.ContainsKey(f)) is string unmapped)
            throw new InvalidDataException($"{Path}: class '{unmapped}' is in no coarse class");
        if (CoarseOf.Keys.FirstOrDefault(k => !fine.Contains(k)) is string unknown)
            throw new InvalidDataException($"{Path}: '{unknown}' is not a class of the data (its classes: {string.Join(", ", fine)})");
        return [.. fine.Select(f => CoarseOf[f])];
    }

    public ImageArray Apply(ImageArray images)
    {
        var map = Map(images.Classes);
        return images with { Source = $"{images.Source} (coarse)", Classes = Classes, Labels = [.. images.Labels.Select(l => map[l])] };
    }

    public ImageFolderSet Apply(ImageFolderSet set)
    {
        var map = Map(set.Classes);
        return set with { Classes = Classes, Files = [.. set.Files.Select(f => f with { Label = map[f.Label] })] };
    }
}
