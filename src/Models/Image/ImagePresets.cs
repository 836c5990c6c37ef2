using System.Text.Json;
using System.Text.Json.Serialization;

namespace VideoVCReg.Models.Image;

/// <summary>
/// An image backbone's data settings, as timm's default_cfgs keep them: input size, eval crop ratio, interpolation,
/// normalisation, class count, the training transform ("cifar": 4-pixel padded crop + flip; "random-resized-crop"),
/// the regularizer's placement and weights, and the training recipe a run of it starts from. Read from configs/images.json;
/// no image constants live in code.
/// </summary>
public sealed record ImagePreset
{
    public string Name { get; init; } = "";
    public string Arch { get; init; } = "";
    public string Description { get; init; } = "";
    public int InputSize { get; init; }
    public double CropRatio { get; init; } = 1.0;
    public string Interpolation { get; init; } = "bilinear";
    public string TrainTransform { get; init; } = "cifar";
    public double[] Mean { get; init; } = [];
    public double[] Std { get; init; } = [];
    public int NumClasses { get; init; }
    /// <summary>The linear probe's view size (appendix C.1: bicubic short side, then centre crop); 0: the input size.</summary>
    public int ProbeSize { get; init; }
    public int EffectiveProbeSize => ProbeSize > 0 ? ProbeSize : InputSize;
    public string Placement { get; init; } = "blocks";
    /// <summary>
    /// The recipe of configs/recipes that `pretrain --arch` and `protocol` layer when none is typed; null: none (the image
    /// base layer alone). A preset, not code, says which recipe fits its network.
    /// </summary>
    public string? Recipe { get; init; }
    /// <summary>VCReg's α and β for this network, from the paper's image grid (the file cites where).</summary>
    public double Alpha { get; init; } = 0.64;
    public double Beta { get; init; } = 0.04;
    /// <summary>
    /// Where each value comes from (the file's "_sources"), for people and tests; not part of a run's settings, so rewording a
    /// citation never makes a finished run look changed.
    /// </summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, string> Sources { get; init; } = new Dictionary<string, string>();

    internal const string SourcesKey = "_sources";

    internal static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    public ImagePreset Validate()
    {
        var p = new List<string>();
        if (!ImagePresets.Architectures.Contains(Arch)) p.Add($"arch '{Arch}' is not one of {string.Join(", ", ImagePresets.Architectures)}");
        if (InputSize < 8) p.Add($"input_size {InputSize} is too small");
        if (!(CropRatio > 0 && CropRatio <= 1)) p.Add($"crop_ratio must be in (0, 1] (got {CropRatio})");
        if (Mean.Length != 3 || Std.Length != 3 || Std.Any(s => !(s > 0 && double.IsFinite(s)))) p.Add("mean and std need three values, std finite and > 0");
        if (TrainTransform is not ("cifar" or "random-resized-crop")) p.Add($"train_transform '{TrainTransform}' is not cifar or random-resized-crop");
        if (Interpolation is not ("bilinear" or "bicubic")) p.Add($"interpolation '{Interpolation}' is not bilinear or bicubic");
        if (InputSize > 4096) p.Add($"input_size {InputSize} is larger than 4096");
        if (ProbeSize > 4096) p.Add($"probe_size {ProbeSize} is larger than 4096");
        if (Mean.Any(m => !double.IsFinite(m))) p.Add("mean values must be finite");
        if (!(Alpha >= 0 && double.IsFinite(Alpha)) || !(Beta >= 0 && double.IsFinite(Beta))) p.Add($"alpha and beta must be finite and ≥ 0 (got {Alpha}, {Beta})");
        if (p.Count > 0) throw new InvalidDataException($"image preset '{Name}': {string.Join("; ", p)}");
        return this;
    }
}

/// <summary>configs/images.json, and the networks its architectures name.</summary>
public static class ImagePresets
{
    public const string FileName = "images.json";
    public static readonly string[] Architectures = ["resnet32", "resnet18", "resnet50", "convnext-t", "convnext-atto", "vit-b32"];

    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, "configs", FileName);

    public static IReadOnlyDictionary<string, ImagePreset> Load(string? path = null)
    {
        path ??= DefaultPath;
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: image presets file not found", path);
        Dictionary<string, JsonElement>? raw;
        try { raw = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e); }
        var all = new SortedDictionary<string, ImagePreset>(StringComparer.Ordinal);
        foreach (var (name, element) in raw ?? [])
        {
            try
            {
                var fields = System.Text.Json.Nodes.JsonObject.Create(element) ?? throw new JsonException("not an object");
                var sources = fields[ImagePreset.SourcesKey]?.Deserialize<Dictionary<string, string>>() ?? [];
                fields.Remove(ImagePreset.SourcesKey);
                all[name] = (fields.Deserialize<ImagePreset>(ImagePreset.Json)! with { Name = name, Sources = sources }).Validate();
            }
            catch (JsonException e) { throw new InvalidDataException($"{path}: preset '{name}': {e.Message}", e); }
        }
        return all;
    }

    public static ImagePreset Get(string name, string? path = null)
    {
        var all = Load(path);
        return all.TryGetValue(name, out var p) ? p : throw new ArgumentException($"unknown image preset '{name}' (known: {string.Join(", ", all.Keys)})");
    }

    /// <summary>
    /// The width of an architecture's pooled features, the head's input (64 for ResNet-32, 2048 for ResNet-50), known without
    /// building the network: building one would draw from the random generator a seeded run's weights come from.
    /// </summary>
    public static long FeatureWidth(string arch) => arch switch
    {
        "resnet32" => 64,
        "resnet18" => 512,
        "resnet50" => 2048,
        "convnext-t" => 768,
        "convnext-atto" => 320,
        "vit-b32" => 768,
        _ => throw new ArgumentException($"unknown architecture '{arch}'"),
    };

    /// <summary>A network of the preset's architecture with a head of <paramref name="classes"/> outputs, random weights.</summary>
    public static Network Build(ImagePreset preset, int classes) => preset.Arch switch
    {
        "resnet32" => ResNetCifar.R32(classes),
        "resnet18" => ResNet.R18(classes),
        "resnet50" => ResNet.R50(classes),
        "convnext-t" => ConvNeXt.Tiny(classes),
        "convnext-atto" => ConvNeXt.Atto(classes),
        "vit-b32" => VitImage.B32(classes, preset.InputSize),
        _ => throw new ArgumentException($"unknown architecture '{preset.Arch}'"),
    };
}
