using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace VideoVCReg.Cli.Hosting;

/// <summary>
/// A verb's spec from a command line (global options included), bound as the verb itself binds it: the configuration
/// layers, the environment, then the typed options. A sweep binds its base spec so, once, when it starts.
/// </summary>
internal static class SpecBinding
{
    public static T Bind<T>(string verb, string[] args, Func<ParseResult, IServiceProvider, RuntimeOptions, T> specOf)
    {
        if (CliApp.ParseProblem(args) is string bad) throw new UserInputException(bad);
        var parse = CliApp.BuildRoot().Parse(args);
        if (parse.CommandResult.Command.Name != verb) throw new UserInputException($"not a {verb} command line: {string.Join(' ', args)}");
        using var host = AppHost.Build(parse);
        return specOf(parse, host.Services, host.Services.GetRequiredService<IOptions<RuntimeOptions>>().Value);
    }

    /// <summary>The value of the verb's option <paramref name="name"/> when typed (or set by a response file), else null: a spec can refuse options given to no purpose.</summary>
    public static T? Given<T>(ParseResult p, string name) where T : struct =>
        p.CommandResult.Command.Options.First(o => o.Name == name) is Option<T> option && p.GetResult(option) is { Implicit: false } ? p.GetValue(option) : null;

    public static string? GivenText(ParseResult p, string name) =>
        p.CommandResult.Command.Options.First(o => o.Name == name) is Option<string> option && p.GetResult(option) is { Implicit: false } ? p.GetValue(option) : null;
}
