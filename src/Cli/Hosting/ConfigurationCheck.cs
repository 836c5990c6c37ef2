using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Configuration.Memory;

namespace VideoVCReg.Cli.Hosting;

/// <summary>
/// The configuration binder ignores a key no options record has (<c>"Epoch": 1</c>) and a value it cannot bind
/// (<c>"Epochs": [1, 2]</c>), so a typo ran silently on the default. This walks every file and environment layer
/// (<see cref="AppHost"/>) against the records bound from each section and lists each unknown key and each wrong
/// type, naming the file or the variable.
/// </summary>
public static class ConfigurationCheck
{
    /// <summary>The sections <see cref="AppHost.Build"/> binds, and their records.</summary>
    public static readonly IReadOnlyDictionary<string, Type> Sections = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase)
    {
        ["Runtime"] = typeof(RuntimeOptions),
        ["Regularizer"] = typeof(Models.Regularization.RegularizerOptions),
        ["FineTune"] = typeof(FineTune.TrainOptions),
        ["Data"] = typeof(Experiment.Video.DataOptions),
    };

    /// <summary>Logging's categories are free names (Microsoft.Extensions.Logging reads them).</summary>
    const string Logging = "Logging";

    /// <summary>
    /// VIDEOVCREG_ variables that are process switches, not configuration keys: each is read where it acts
    /// (Verb, ProgressLine, FfmpegRuntime, NativeHeap, MpiWorld).
    /// </summary>
    public static readonly string[] Switches = ["TRACE", "PROGRESS", "FFMPEG_LOG", "MALLOC", "MPI_CUDA", "ALLREDUCE"];

    /// <summary>
    /// Documentation that rides in configuration files and binds to nothing, deliberately: keys starting with '_'
    /// (<c>_about</c>, <c>_sources</c>) at any depth, and a recipe's <c>Grid</c>, which the sweep reads (ConfigGrid).
    /// </summary>
    static bool IsDocumentation(string segment, bool topLevel) =>
        segment.StartsWith('_') || (topLevel && segment.Equals("Grid", StringComparison.OrdinalIgnoreCase));

    /// <summary>Every problem of every file and environment layer of <paramref name="root"/>; the typed options are the CLI's own.</summary>
    public static IReadOnlyList<string> Problems(IConfigurationRoot root)
    {
        var problems = new List<string>();
        foreach (var provider in root.Providers)
        {
            switch (provider)
            {
                case JsonConfigurationProvider json:
                    var path = json.Source.FileProvider?.GetFileInfo(json.Source.Path ?? "").PhysicalPath ?? json.Source.Path;
                    problems.AddRange(Problems(provider, environment: false).Select(p => $"{path}: {p.Text}"));
                    break;
                case EnvironmentVariablesConfigurationProvider:
                    problems.AddRange(Problems(provider, environment: true)
                        .Select(p => $"environment {p.Variable}: {p.Text}"));
                    break;
                case MemoryConfigurationProvider:
                    break; // the typed options and the image preset's layer: keys the CLI itself names
            }
        }
        return problems;
    }

    static IEnumerable<(string Variable, string Text)> Problems(IConfigurationProvider provider, bool environment)
    {
        bool isSwitch(string key) => environment && Switches.Contains(key, StringComparer.Ordinal);
        foreach (var top in ChildKeys(provider, null))
        {
            if (IsDocumentation(top, topLevel: true) || top.Equals(Logging, StringComparison.OrdinalIgnoreCase)) continue;
            if (!Sections.TryGetValue(top, out var type))
            {
                if (isSwitch(top)) continue;
                bool variable = environment && !ChildKeys(provider, top).Any();
                yield return (Variable(top), variable
                    ? $"neither a setting (VIDEOVCREG_<Section>__<Key>) nor a switch ({string.Join(", ", Switches.Select(s => "VIDEOVCREG_" + s))})"
                    : $"{top} is not a configuration section (sections: {string.Join(", ", Sections.Keys)})");
                continue;
            }
            if (provider.TryGet(top, out var scalar) && scalar is { Length: > 0 } && !ChildKeys(provider, top).Any())
            {
                yield return (Variable(top), $"{top} must be a section of settings (got '{scalar}')");
                continue;
            }
            var settings = Bindable(type);
            foreach (var key in ChildKeys(provider, top))
            {
                var full = $"{top}:{key}";
                if (IsDocumentation(key, topLevel: false)) continue;
                if (!settings.TryGetValue(key, out var property))
                {
                    var near = Nearest(key, settings.Keys);
                    yield return (Variable(full), $"{full} is not a setting" + (near is null ? "" : $" (did you mean {top}:{near}?)"));
                    continue;
                }
                if (TypeProblem(provider, full, property.PropertyType) is string problem) yield return (Variable(full), $"{full} {problem}");
            }
        }
    }

    /// <summary>The variable that sets <paramref name="key"/>: the environment provider strips the prefix and turns __ into ':'.</summary>
    static string Variable(string key) => "VIDEOVCREG_" + key.Replace(":", "__");

    static IEnumerable<string> ChildKeys(IConfigurationProvider provider, string? parent) =>
        provider.GetChildKeys([], parent).Distinct(StringComparer.OrdinalIgnoreCase);

    /// <summary>What the binder sets: public properties with a public getter and setter (init included), by name, ignoring case.</summary>
    static Dictionary<string, PropertyInfo> Bindable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetMethod?.IsPublic == true && p.SetMethod?.IsPublic == true && p.GetIndexParameters().Length == 0)
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Why the value at <paramref name="key"/> cannot bind to <paramref name="type"/>, as the binder converts it; null when it can.</summary>
    static string? TypeProblem(IConfigurationProvider provider, string key, Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        var children = ChildKeys(provider, key).ToList();
        provider.TryGet(key, out var value);
        string expected = Describe(underlying);
        if (children.Count > 0)
            return $"must be {expected} (got {(children.All(c => int.TryParse(c, out _)) ? "a list" : "a section")})";
        // JSON null: the binder leaves the default, which is what null means only for an optional setting.
        if (value is null) return type == underlying && underlying.IsValueType ? $"must be {expected} (got null)" : null;
        if (underlying == typeof(string)) return null;
        if (value.Length == 0 && type != underlying) return null;   // the binder reads an empty optional as null
        try
        {
            TypeDescriptor.GetConverter(underlying).ConvertFromString(null, CultureInfo.InvariantCulture, value);
            return null;
        }
        catch (Exception) { return $"must be {expected} (got '{value}')"; }
    }

    static string Describe(Type type) =>
        type == typeof(int) || type == typeof(long) ? "a whole number"
        : type == typeof(double) || type == typeof(float) ? "a number"
        : type == typeof(bool) ? "true or false"
        : type == typeof(string) ? "text"
        : $"a {type.Name}";

    /// <summary>A setting within two edits of <paramref name="key"/> (Epoch, Epochs), for the message.</summary>
    static string? Nearest(string key, IEnumerable<string> names) =>
        names.Select(n => (n, d: Distance(key.ToLowerInvariant(), n.ToLowerInvariant()))).Where(x => x.d <= 2)
            .OrderBy(x => x.d).Select(x => x.n).FirstOrDefault();

    static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }
}
