using System.Text.Json;

namespace VideoVCReg.Tests.Support;

/// <summary>A run folder's settings.json (version 2): the recorded spec, and what it resolved to.</summary>
public static class SettingsFile
{
    public static JsonElement Root(string runDir) => JsonDocument.Parse(File.ReadAllText(Path.Combine(runDir, "settings.json"))).RootElement;

    /// <summary>The run's spec as recorded: snake-case keys, run control left out.</summary>
    public static JsonElement Spec(string runDir) => Root(runDir).GetProperty("spec");

    public static JsonElement Resolved(string runDir) => Root(runDir).GetProperty("resolved");
}
