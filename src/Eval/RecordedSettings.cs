using System.Text.Json;
using System.Text.Json.Nodes;
using VideoVCReg.Models.Regularization;

namespace VideoVCReg.Eval;

/// <summary>
/// What a finished run's settings.json says of it, for the tables that compare runs: its model, regularizer, noise and seed,
/// and the settings without the seed (repeats of one setting) or without seed and regularizer (a setting and its baseline).
/// Reads settings version 2 ({"settings_version", "spec", "resolved"}) and the flat layout of earlier runs: only a resume
/// refuses those, as it cannot repeat them; their finished results stay comparable.
/// </summary>
public sealed record RecordedSettings(string Model, RegularizerOptions Regularizer, double Noise, long Seed, string WithoutSeed, string WithoutSeedOrRegularizer)
{
    static readonly JsonSerializerOptions SpecNames = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Throws KeyNotFoundException or JsonException when a key the tables need is missing or malformed.</summary>
    public static RecordedSettings Parse(string json)
    {
        var root = JsonNode.Parse(json)?.AsObject() ?? throw new JsonException("not a JSON object");
        bool versioned = root.ContainsKey("settings_version");
        // Version 2 keeps the run's own values in "spec"; the flat layout kept them at the top.
        var values = versioned ? Need(root, "spec").AsObject() : root;
        var reg = Need(values, "regularizer");
        var regularizer = versioned ? reg.Deserialize<RegularizerOptions>(SpecNames) ?? throw new JsonException("empty regularizer")
            : RegularizerOptions.FromSettings(JsonDocument.Parse(reg.ToJsonString()).RootElement);
        string model = versioned
            ? (values["arch"]?.GetValue<string>() ?? Need(values, "model").GetValue<string>())
            : values["arch"] is JsonObject preset ? (preset["Name"] ?? Need(preset, "name")).GetValue<string>() : Need(values, "model").GetValue<string>();
        double noise = versioned ? values["data"]?["noise"]?.GetValue<double>() ?? 0 : values["views"]?["Noise"]?.GetValue<double>() ?? 0;
        long seed = values["seed"] is JsonValue s ? s.GetValue<long>() : 0;
        values.Remove("seed");
        string withoutSeed = Canonical(root);
        values.Remove("regularizer");
        return new(model, regularizer, noise, seed, withoutSeed, Canonical(root));
    }

    static JsonNode Need(JsonObject o, string key) => o[key] ?? throw new KeyNotFoundException($"no \"{key}\"");

    /// <summary>Keys in ordinal order at every level, so equal settings are equal text whichever order they were written in.</summary>
    static string Canonical(JsonNode? node) => node switch
    {
        JsonObject o => "{" + string.Join(",", o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => JsonSerializer.Serialize(p.Key) + ":" + Canonical(p.Value))) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(Canonical)) + "]",
        null => "null",
        _ => node.ToJsonString(),
    };
}
