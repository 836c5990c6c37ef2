using System.CommandLine;
using System.CommandLine.Help;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace VideoVCReg.Cli;

/// <summary>
/// docs/cli.md: the `--help` page of every visible command of the verb tree, in tree order, produced in-process.
/// `DocsTests` compares the file with this text, so the reference cannot drift from the CLI.
/// </summary>
public static class CliReference
{
    /// <summary>The one command that rewrites the file (named by the test when the file is stale).</summary>
    public const string Regenerate = "./videovcreg docs-cli > docs/cli.md";

    /// <summary>Help is wrapped at this width whatever the terminal, so the file is the same on every machine.</summary>
    public const int Width = 110;

    /// <summary>Every visible command's path from the root ("" for the root itself), depth first, in declaration order.</summary>
    public static IReadOnlyList<string[]> CommandPaths(Command root)
    {
        var paths = new List<string[]>();
        void Walk(Command command, string[] path)
        {
            paths.Add(path);
            foreach (var sub in command.Subcommands.Where(c => !c.Hidden)) Walk(sub, [.. path, sub.Name]);
        }
        Walk(root, []);
        return paths;
    }

    /// <summary>One command's `--help` text, as `videovcreg PATH --help` prints it, at <see cref="Width"/> columns.</summary>
    public static string Help(params string[] path)
    {
        // System.CommandLine translates its headings ("Usage:") and built-in descriptions by the current UI culture,
        // when the tree is built and when help is written: the reference is the invariant (English) text.
        var (culture, uiCulture) = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
        string text;
        try
        {
            var root = CliApp.BuildRoot();
            foreach (var help in root.Options.OfType<HelpOption>())
                if (help.Action is HelpAction action) action.MaxWidth = Width;
            var output = new StringWriter(CultureInfo.InvariantCulture);
            root.Parse([.. path, "--help"]).Invoke(new InvocationConfiguration { Output = output, Error = output });
            // The root command is named after the executable: "testhost" inside the test runner.
            text = root.Name == "videovcreg" ? output.ToString()
                : Regex.Replace(output.ToString(), $@"(?m)^(\s+){Regex.Escape(root.Name)}(?=\s|$)", "$1videovcreg");
        }
        finally { (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = (culture, uiCulture); }
        return string.Join('\n', text.ReplaceLineEndings("\n").Split('\n').Select(l => l.TrimEnd())).Trim('\n');
    }

    /// <summary>The whole of docs/cli.md.</summary>
    public static string Markdown()
    {
        var paths = CommandPaths(CliApp.BuildRoot());
        var md = new StringBuilder();
        md.Append("# CLI reference\n\n");
        md.Append($"Generated from the CLI's own `--help` by `{Regenerate}`; do not edit by hand. ");
        md.Append("`DocsTests` fails when this file differs from what the CLI prints. ");
        md.Append("Options that map to a configuration key are listed under [Configuration keys](#configuration-keys); how the layers combine is in [recipes.md](recipes.md#configuration); ");
        md.Append("topic pages explain what the options do: [data](data.md), [recipes](recipes.md), [scale-out](scale-out.md), ");
        md.Append("[benchmarks](benchmarks.md), [reliability](reliability.md).\n\n");
        foreach (var path in paths)
        {
            var name = string.Join(' ', ["videovcreg", .. path]);
            md.Append($"- [`{name}`](#{Anchor(name)})\n");
        }
        md.Append("- [Configuration keys](#configuration-keys)\n");
        foreach (var path in paths)
        {
            var name = string.Join(' ', ["videovcreg", .. path]);
            md.Append($"\n## {name}\n\n```text\n{Help(path)}\n```\n");
        }
        md.Append("\n## Configuration keys\n\n");
        md.Append("An option with a key sets that configuration value, so `--lr 1e-3`, `\"FineTune\": {\"BaseLr\": 1e-3}` in a `--config` ");
        md.Append("file and `VIDEOVCREG_FineTune__BaseLr=1e-3` mean the same thing; only a typed option overrides the configuration.\n\n");
        md.Append("| key | option | commands |\n| --- | --- | --- |\n");
        foreach (var row in ConfigKeys(CliApp.BuildRoot()).OrderBy(r => r.Key, StringComparer.Ordinal).ThenBy(r => r.Option, StringComparer.Ordinal))
            md.Append($"| `{row.Key}` | `{row.Option}` | {row.Commands} |\n");
        return md.ToString();
    }

    /// <summary>Every option that carries a configuration key (a <c>ConfigOption</c>), with the commands that take it.</summary>
    static IEnumerable<(string Key, string Option, string Commands)> ConfigKeys(Command root)
    {
        var found = new Dictionary<(string Key, string Option), List<string>>();
        foreach (var path in CommandPaths(root))
        {
            Command command = root;
            foreach (var name in path) command = command.Subcommands.Single(c => c.Name == name);
            foreach (var option in command.Options)
                if (option.GetType().GetProperty("ConfigKey")?.GetValue(option) is string key)
                {
                    if (!found.TryGetValue((key, option.Name), out var commands)) found[(key, option.Name)] = commands = [];
                    commands.Add(path.Length == 0 ? "every command" : string.Join(' ', path));
                }
        }
        return found.Select(kv => (kv.Key.Key, kv.Key.Option, string.Join(", ", kv.Value)));
    }

    /// <summary>GitHub's heading anchor: lower case, spaces to hyphens, punctuation dropped.</summary>
    static string Anchor(string heading) =>
        Regex.Replace(heading.ToLowerInvariant(), @"[^a-z0-9 \-_]", "").Replace(' ', '-');
}
