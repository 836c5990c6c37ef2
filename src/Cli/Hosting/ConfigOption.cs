using System.CommandLine;

namespace VideoVCReg.Cli.Hosting;

/// <summary>
/// A command-line option that overrides one configuration key, so `--lr 1e-3` and
/// `"FineTune": { "BaseLr": 1e-3 }` in configs/*.json and `VIDEOVCREG_FineTune__BaseLr` mean the same thing.
/// Only options the user actually typed override; defaults stay with the configuration files.
/// </summary>
public sealed class ConfigOption<T>(string name, string configKey, string description) : Option<T>(name)
{
    public string ConfigKey { get; } = configKey;

    public ConfigOption<T> Init()
    {
        Description = description;
        return this;
    }
}

public static class ConfigOverrides
{
    /// <summary>Collects the typed values of every <see cref="ConfigOption{T}"/> in the parsed command.</summary>
    public static Dictionary<string, string?> From(ParseResult parse)
    {
        var map = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        for (var r = parse.CommandResult; r != null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
        {
            foreach (var option in r.Command.Options)
            {
                var result = parse.GetResult(option) as System.CommandLine.Parsing.OptionResult;
                if (result == null || result.Implicit) continue;
                var key = option.GetType().GetProperty("ConfigKey")?.GetValue(option) as string;
                if (key == null) continue;
                var value = result.Tokens.Count == 0 ? "true" : string.Join(",", result.Tokens.Select(t => t.Value));
                map.TryAdd(key, value);
            }
        }
        return map;
    }
}
