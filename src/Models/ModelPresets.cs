using System.Text.Json;

namespace VideoVCReg.Models;

/// <summary>Presets are data: configs/models.json, copied next to the executable.</summary>
public static class ModelPresets
{
    public const string FileName = "models.json";

    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, "configs", FileName);

    /// <summary>The shipped presets, with those of <paramref name="extra"/> (a file of the same form) layered over them.</summary>
    public static IReadOnlyDictionary<string, ModelConfig> Load(string? extra = null)
    {
        var all = new SortedDictionary<string, ModelConfig>(LoadFile(DefaultPath), StringComparer.Ordinal);
        if (extra != null) foreach (var (k, v) in LoadFile(extra)) all[k] = v;
        return all;
    }

    static SortedDictionary<string, ModelConfig> LoadFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: model presets file not found", path);
        Dictionary<string, JsonElement>? raw;
        try { raw = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e); }
        var presets = new SortedDictionary<string, ModelConfig>(StringComparer.Ordinal);
        foreach (var (name, element) in raw ?? [])
        {
            ModelConfig c;
            try { c = element.Deserialize<ModelConfig>(ModelConfig.Json)!; }
            catch (JsonException e) { throw new InvalidDataException($"{path}: preset '{name}': {e.Message}", e); }
            presets[name] = (c with { Name = name }).Validate();
        }
        return presets;
    }

    public static ModelConfig Get(string name, string? extra = null)
    {
        var all = Load(extra);
        return all.TryGetValue(name, out var c) ? c
            : throw new ArgumentException($"unknown model preset '{name}' (known: {string.Join(", ", all.Keys)})");
    }
}
