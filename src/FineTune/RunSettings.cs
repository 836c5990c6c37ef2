using System.Text.Json;

namespace VideoVCReg.FineTune;

/// <summary>
/// A run's recorded settings (settings.json, and the copy inside checkpoint-last.pth) against the settings of the command
/// that continues it: one comparison and one refusal for every way into a run folder (a whole run, an array task of one
/// split, the submitter of the array, the training loop's resume). A resume with other settings would silently be another run.
/// </summary>
public static class RunSettings
{
    public const string FileName = "settings.json";

    /// <summary>Throws the one refusal when <paramref name="outDir"/> recorded settings other than <paramref name="current"/>; a folder without any passes.</summary>
    public static void RequireSame(string outDir, string current)
    {
        var path = Path.Combine(outDir, FileName);
        if (!File.Exists(path)) return;
        RequireSame(File.ReadAllText(path), current, outDir);
    }

    /// <summary>The same refusal for settings already read (a checkpoint's).</summary>
    public static void RequireSame(string recorded, string current, string outDir)
    {
        if (recorded != current) throw OtherSettings(outDir, recorded, current);
    }

    public static InvalidOperationException OtherSettings(string outDir, string recorded, string current) =>
        IsOlderLayout(recorded) ? new($"{outDir}: the unfinished run there was started by an older videovcreg ({OlderLayout}), which this version cannot continue; --force to start over, or choose another --out")
        : OtherVersion(recorded, current) is string keys ? new($"{outDir}: the unfinished run there was started by another videovcreg version ({keys}), which this one cannot continue; --force to start over, or choose another --out")
        : new($"{outDir}: the unfinished run there used other settings ({Diff(recorded, current)}); repeat its options, or --force to start over");

    /// <summary>
    /// Settings that one side has and the other has not: every key is always written (null when unset), so these come from
    /// a version that knew other settings, and no option can repeat them. Null when both have the same keys.
    /// </summary>
    static string? OtherVersion(string recorded, string current)
    {
        try
        {
            var (then, now) = (Flat(recorded), Flat(current));
            var parts = new[] { ("only then", then.Keys.Except(now.Keys)), ("only now", now.Keys.Except(then.Keys)) }
                .Where(s => s.Item2.Any()).Select(s => $"{string.Join(", ", s.Item2.Order())} {s.Item1}").ToList();
            return parts.Count == 0 ? null : "settings " + string.Join("; ", parts);
        }
        catch (JsonException) { return null; }
    }

    static Dictionary<string, string> Flat(string json)
    {
        using var doc = JsonDocument.Parse(json);
        Dictionary<string, string> into = [];
        Flatten(doc.RootElement, "", into);
        return into;
    }

    /// <summary>The refusal to keep a finished run as a cache (pretrain --reuse, a protocol's runs) when its settings are not these.</summary>
    public static IOException NotReused(string outDir, string? recorded, string current) => new(recorded is not null && IsOlderLayout(recorded)
        ? $"{outDir}: holds a finished run of an older videovcreg ({OlderLayout}), so it is not reused; use --force to replace it, or choose another --out"
        : $"{outDir}: holds a finished run with other settings ({(recorded is null ? "no settings.json" : Diff(recorded, current))}), so it is not reused; use --force to replace it, or choose another --out");

    /// <summary>
    /// settings.json's layout: 2 is {"settings_version", "spec" (the run's spec, run control left out), "resolved" (what the
    /// spec resolved to here: the data's folder, the splits, the processes, a preset's values)}. Earlier runs wrote a flat
    /// layout of their own; no option can make a resume repeat it, so they are named as what they are.
    /// </summary>
    public const int Version = 2;

    public const string VersionKey = "settings_version";

    const string OlderLayout = "its settings.json has no settings_version 2";

    /// <summary>Whether <paramref name="recorded"/> is settings of an earlier layout (any JSON without this version's key and value).</summary>
    public static bool IsOlderLayout(string recorded)
    {
        try
        {
            using var doc = JsonDocument.Parse(recorded);
            return !(doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(VersionKey, out var v)
                && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int version) && version == Version);
        }
        catch (JsonException) { return false; }
    }

    /// <summary>The settings whose values differ, each as a dotted key, for the refusal messages.</summary>
    public static string Diff(string saved, string now)
    {
        try
        {
            var (left, right) = (Flat(saved), Flat(now));
            var keys = left.Keys.Union(right.Keys).Where(k => left.GetValueOrDefault(k) != right.GetValueOrDefault(k)).Order().ToList();
            return string.Join("; ", keys.Select(k => $"{k}: {left.GetValueOrDefault(k) ?? "unset"} then, {right.GetValueOrDefault(k) ?? "unset"} now"));
        }
        catch (JsonException) { return "unreadable saved settings"; }
    }

    /// <summary>Nested objects as dotted keys, so a difference names the one value that changed, not a whole section.</summary>
    static void Flatten(JsonElement e, string prefix, Dictionary<string, string> into)
    {
        if (e.ValueKind != JsonValueKind.Object || (prefix.Length > 0 && !e.EnumerateObject().Any())) { into[prefix] = e.GetRawText(); return; }
        foreach (var p in e.EnumerateObject()) Flatten(p.Value, prefix.Length == 0 ? p.Name : $"{prefix}.{p.Name}", into);
    }
}
