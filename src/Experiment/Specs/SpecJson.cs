using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using VideoVCReg.Experiment.Video;
using VideoVCReg.FineTune;
using VideoVCReg.Models.Regularization;

namespace VideoVCReg.Experiment.Specs;

/// <summary>
/// A spec as a file (a sweep's trials, its base): every settable property, including those a run's settings.json leaves
/// out to keep its old layout (<see cref="TrainOptions.Amp"/>, <see cref="TrainOptions.Precision"/>, ...). The settings
/// file is what resume compares and must not change; the spec file must give back the same spec.
/// </summary>
public static class SpecJson
{
    static readonly HashSet<Type> Specs = [typeof(FineTuneSpec), typeof(PretrainSpec), typeof(TrainOptions), typeof(DataOptions), typeof(RegularizerOptions)];

    public static readonly JsonSerializerOptions Options = With(new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });

    /// <summary><paramref name="options"/> with the spec types written as every settable property (and nothing computed).</summary>
    public static JsonSerializerOptions With(JsonSerializerOptions options)
    {
        options.TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { EverySettableProperty } };
        return options;
    }

    static void EverySettableProperty(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object || !Specs.Contains(info.Type)) return;
        info.Properties.Clear();
        foreach (var p in info.Type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0))
        {
            var property = info.CreateJsonPropertyInfo(p.PropertyType, info.Options.PropertyNamingPolicy?.ConvertName(p.Name) ?? p.Name);
            property.Get = p.GetValue;
            property.Set = p.SetValue;   // init-only setters are plain setters to reflection
            info.Properties.Add(property);
        }
    }

    public static string Write(FineTuneSpec spec) => JsonSerializer.Serialize(spec, Options);

    public static string Write(PretrainSpec spec) => JsonSerializer.Serialize(spec, Options);

    public static FineTuneSpec Read(string path) => Read<FineTuneSpec>(path, "finetune");

    public static PretrainSpec ReadPretrain(string path) => Read<PretrainSpec>(path, "pretrain");

    static T Read<T>(string path, string verb)
    {
        try { return JsonSerializer.Deserialize<T>(File.ReadAllText(path), Options) ?? throw new InvalidDataException($"{path}: empty"); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a {verb} spec ({e.Message})"); }
    }
}
