using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using VideoVCReg.Experiment.Video;
using VideoVCReg.FineTune;
using VideoVCReg.Models.Regularization;
using VideoVCReg.Runtime;

namespace VideoVCReg.Experiment.Specs;

/// <summary>
/// A spec as JSON: every settable property and nothing computed (a peak lr, a label), in snake case. <see cref="Options"/>
/// writes a whole spec (a sweep's base and trials, read back by <see cref="Read"/>); <see cref="Recorded"/> leaves out what
/// is <see cref="RunControlAttribute">run control</see>, and is the "spec" of a run's settings.json (<see cref="RunSettings"/>).
/// </summary>
public static class SpecJson
{
    static readonly HashSet<Type> Specs = [typeof(FineTuneSpec), typeof(PretrainSpec), typeof(ProbeSpec), typeof(TrainOptions), typeof(DataOptions),
        typeof(RegularizerOptions), typeof(Probe.ProbeOptions)];

    /// <summary>A run's whole spec in its folder: a sweep trial's, and what `finetune --slurm`'s jobs run.</summary>
    public const string FileName = "spec.json";

    /// <summary>Reading refuses a key that names no setting: a misspelt one would otherwise leave its setting at the default.</summary>
    public static readonly JsonSerializerOptions Options = With(new JsonSerializerOptions
    {
        WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    });

    /// <summary>As <see cref="Options"/>, on one line and without run control: what decides a run's numbers.</summary>
    public static readonly JsonSerializerOptions Recorded = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, TypeInfoResolver = Resolver(runControl: false) };

    /// <summary><paramref name="options"/> with the spec types written as every settable property (and nothing computed).</summary>
    public static JsonSerializerOptions With(JsonSerializerOptions options)
    {
        options.TypeInfoResolver = Resolver(runControl: true);
        return options;
    }

    static DefaultJsonTypeInfoResolver Resolver(bool runControl) => new() { Modifiers = { info => SettableProperties(info, runControl) } };

    static void SettableProperties(JsonTypeInfo info, bool runControl)
    {
        if (info.Kind != JsonTypeInfoKind.Object || !Specs.Contains(info.Type)) return;
        info.Properties.Clear();
        foreach (var p in info.Type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0))
        {
            // JsonIgnore marks what is not the user's to set (a process's rank); run control is what settings leave out.
            if (p.GetCustomAttribute<JsonIgnoreAttribute>() is not null || (!runControl && p.GetCustomAttribute<RunControlAttribute>() is not null)) continue;
            var property = info.CreateJsonPropertyInfo(p.PropertyType, info.Options.PropertyNamingPolicy?.ConvertName(p.Name) ?? p.Name);
            property.Get = p.GetValue;
            property.Set = p.SetValue;   // init-only setters are plain setters to reflection
            info.Properties.Add(property);
        }
    }

    public static string Write(FineTuneSpec spec) => JsonSerializer.Serialize(spec, Options);

    public static string Write(PretrainSpec spec) => JsonSerializer.Serialize(spec, Options);

    /// <summary>What settings.json records of <paramref name="spec"/> (any spec, or an anonymous object of spec sections).</summary>
    public static JsonNode? ToRecorded(object spec) => JsonSerializer.SerializeToNode(spec, spec.GetType(), Recorded);

    /// <summary>
    /// A run's settings.json (<see cref="RunSettings"/>' version 2): <paramref name="spec"/> as recorded, and what it
    /// <paramref name="resolved"/> to, in ordinal key order so equal settings are equal text.
    /// </summary>
    public static string Settings(object spec, IReadOnlyDictionary<string, object?> resolved) => new JsonObject
    {
        [RunSettings.VersionKey] = RunSettings.Version,
        ["spec"] = ToRecorded(spec),
        ["resolved"] = JsonSerializer.SerializeToNode(new SortedDictionary<string, object?>(resolved.ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal)),
    }.ToJsonString();

    public static FineTuneSpec Read(string path) => Read<FineTuneSpec>(path, "finetune");

    public static PretrainSpec ReadPretrain(string path) => Read<PretrainSpec>(path, "pretrain");

    static T Read<T>(string path, string verb) where T : class
    {
        T? spec;
        try { spec = JsonSerializer.Deserialize<T>(File.ReadAllText(path), Options); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a {verb} spec ({e.Message})"); }
        if (spec is null) throw new InvalidDataException($"{path}: not a {verb} spec (null)");
        // JSON's null passes where C# says a value must be (a section, a name); it would fail later, far from the file.
        if (NullWhereRequired(spec, "") is string key) throw new InvalidDataException($"{path}: not a {verb} spec ({key} is null)");
        return spec;
    }

    static readonly NullabilityInfoContext Nullability = new();

    /// <summary>The first settable property, sections included, that is null though its type says it never is; null when none.</summary>
    static string? NullWhereRequired(object spec, string prefix)
    {
        foreach (var p in spec.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true }))
        {
            var name = prefix + Options.PropertyNamingPolicy!.ConvertName(p.Name);
            var value = p.GetValue(spec);
            if (value is null && !p.PropertyType.IsValueType && Nullability.Create(p).ReadState == NullabilityState.NotNull) return name;
            if (value is not null && Specs.Contains(p.PropertyType) && NullWhereRequired(value, name + ".") is string inner) return inner;
        }
        return null;
    }
}
