using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using VideoVCReg.Cli;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Foundation;

/// <summary>
/// The documentation stays true to the code: docs/cli.md is what the CLI prints, every link lands, every complete
/// command line in a code block parses, and docs/ARCHITECTURE.md names only types that exist and draws the
/// project references the .csproj files declare.
/// </summary>
public class DocsTests
{
    static readonly string Root = FindRoot();

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "VideoVCReg.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("VideoVCReg.sln not found above the test binaries");
    }

    static string Read(string relative) => File.ReadAllText(Path.Combine(Root, relative)).ReplaceLineEndings("\n");

    /// <summary>README.md and every page under docs/, as (path relative to the root, text).</summary>
    static IEnumerable<(string Path, string Text)> Pages() =>
        new[] { "README.md" }.Concat(Directory.GetFiles(Path.Combine(Root, "docs"), "*.md").Select(f => Path.GetRelativePath(Root, f)).Order())
            .Select(p => (p, Read(p)));

    [Fact]
    public void Cli_reference_is_what_the_cli_prints()
    {
        string expected = CliReference.Markdown(), actual = Read("docs/cli.md");
        if (actual == expected) return;
        var (e, a) = (expected.Split('\n'), actual.Split('\n'));
        int line = Enumerable.Range(0, Math.Min(e.Length, a.Length)).FirstOrDefault(i => e[i] != a[i], Math.Min(e.Length, a.Length));
        Assert.Fail($"docs/cli.md differs from the CLI's help at line {line + 1}: regenerate it with `{CliReference.Regenerate}`.\n" +
                    $"  file: {(line < a.Length ? a[line] : "(end of file)")}\n  cli:  {(line < e.Length ? e[line] : "(end of text)")}");
    }

    [Fact]
    public void Cli_reference_covers_every_visible_command_from_the_tree()
    {
        var paths = CliReference.CommandPaths(CliApp.BuildRoot()).Select(p => string.Join(' ', p)).ToList();
        foreach (var command in new[] { "", "finetune", "protocol transfer", "protocol long-tail", "protocol hierarchical",
                     "demo two-moons", "video check", "data synth-images", "bench allreduce", "sweep" })
            Assert.Contains(command, paths);
        Assert.DoesNotContain("docs-cli", paths); // hidden: a maintainer's verb
        foreach (var path in paths) Assert.Contains($"\n## {string.Join(' ', new[] { "videovcreg", path }.Where(s => s != ""))}\n", Read("docs/cli.md"));
    }

    /// <summary>System.CommandLine translates its headings by the UI culture; the reference must not follow the machine's.</summary>
    [Fact]
    public void Cli_reference_does_not_depend_on_the_culture()
    {
        var (culture, uiCulture) = (System.Globalization.CultureInfo.CurrentCulture, System.Globalization.CultureInfo.CurrentUICulture);
        string invariant = CliReference.Markdown(), german;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.CurrentUICulture = new System.Globalization.CultureInfo("de-DE");
            german = CliReference.Markdown();
        }
        finally { (System.Globalization.CultureInfo.CurrentCulture, System.Globalization.CultureInfo.CurrentUICulture) = (culture, uiCulture); }
        Assert.Equal(invariant, german);
    }

    /// <summary>The one command the failure message names must write exactly what the test expects.</summary>
    [Fact]
    public void The_docs_cli_verb_prints_the_reference()
    {
        var r = CliProcess.Run("docs-cli");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(CliReference.Markdown(), r.Stdout.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Readme_stays_a_five_minute_read()
    {
        int lines = Read("README.md").TrimEnd('\n').Split('\n').Length;
        Assert.True(lines <= 250, $"README.md has {lines} lines; reference material belongs in docs/ (see the table of pages in README.md)");
    }

    [Fact]
    public void Every_relative_link_in_the_readme_and_docs_lands()
    {
        var problems = new List<string>();
        foreach (var (page, text) in Pages())
        {
            var dir = Path.GetDirectoryName(page) ?? "";
            foreach (Match m in Regex.Matches(WithoutCode(text), @"\]\(([^)\s]+)\)"))
            {
                var target = m.Groups[1].Value;
                if (Regex.IsMatch(target, "^[a-z]+:")) continue; // http:, https:, mailto:
                var (file, _, anchor) = target.Partition('#');
                var resolved = file == "" ? page : Path.GetRelativePath(Root, Path.GetFullPath(Path.Combine(Root, dir, file)));
                if (!File.Exists(Path.Combine(Root, resolved)) && !Directory.Exists(Path.Combine(Root, resolved)))
                    problems.Add($"{page}: {target}: no such file");
                else if (anchor != "" && resolved.EndsWith(".md") && !Anchors(Read(resolved)).Contains(anchor))
                    problems.Add($"{page}: {target}: no heading with that anchor in {resolved}");
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>A complete `videovcreg ...` line in a code block must parse; lines with placeholders ([...], …, A|B) are synopses.</summary>
    [Fact]
    public void Every_complete_command_in_a_code_block_parses()
    {
        var problems = new List<string>();
        int checkedLines = 0;
        foreach (var (page, text) in Pages().Where(p => p.Path != Path.Combine("docs", "cli.md")))
            foreach (var command in CodeBlockCommands(text))
            {
                if (Regex.IsMatch(command, @"[\[\]…|<>]|\.\.\.")) continue;
                var args = ShellWords(command);
                if (CliApp.ParseProblem([.. args]) is string problem) problems.Add($"{page}: videovcreg {command}: {problem}");
                checkedLines++;
            }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.True(checkedLines >= 10, $"only {checkedLines} command lines found in code blocks");
    }

    [Fact]
    public void Architecture_names_only_types_that_exist()
    {
        var types = OurTypes().ToLookup(t => Regex.Replace(t.Name, "`\\d+$", ""));
        var problems = new List<string>();
        foreach (Match m in Regex.Matches(Read("docs/ARCHITECTURE.md"), "`([^`\n]+)`"))
        {
            var name = m.Groups[1].Value;
            if (Regex.IsMatch(name, @"^[A-Z][A-Za-z0-9]*(\.[A-Z][A-Za-z0-9]*)?$"))
            {
                var (type, _, member) = name.Partition('.');
                if (!types.Contains(type)) problems.Add($"`{name}`: no type {type} in the VideoVCReg assemblies");
                else if (member != "" && !types[type].Any(t => t.GetMember(member, BindingFlags.Public | BindingFlags.NonPublic |
                             BindingFlags.Instance | BindingFlags.Static | BindingFlags.FlattenHierarchy).Length > 0))
                    problems.Add($"`{name}`: {type} has no member {member}");
            }
            else if (Regex.IsMatch(name, @"^(src|configs|scripts|build|tests|bench|docs)/[^*<\s]*$") && !name.Contains("NAME"))
            {
                var path = Path.Combine(Root, name.TrimEnd('/'));
                if (!File.Exists(path) && !Directory.Exists(path)) problems.Add($"`{name}`: no such file or folder");
            }
        }
        Assert.True(problems.Count == 0, "docs/ARCHITECTURE.md: " + string.Join("\n", problems));
    }

    [Fact]
    public void Architecture_draws_the_project_references_of_the_csproj_files()
    {
        var drawn = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var text = Read("docs/ARCHITECTURE.md");
        var table = text[text.IndexOf("| project | references |", StringComparison.Ordinal)..];
        foreach (var row in table.Split('\n').Skip(2).TakeWhile(l => l.StartsWith('|')))
        {
            var cells = row.Split('|');
            var project = Regex.Match(cells[1], "`([^`]+)`").Groups[1].Value;
            drawn[project] = string.Join(", ", Regex.Matches(cells[2], "`([^`]+)`").Select(r => r.Groups[1].Value).Order(StringComparer.Ordinal));
        }
        var actual = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var csproj in Directory.GetFiles(Path.Combine(Root, "src"), "*.csproj", SearchOption.AllDirectories)
                     .Concat(Directory.GetFiles(Path.Combine(Root, "tests"), "*.csproj", SearchOption.AllDirectories))
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")))
        {
            var dir = Path.GetDirectoryName(csproj)!;
            actual[Path.GetRelativePath(Root, dir)] = string.Join(", ", XDocument.Load(csproj).Descendants("ProjectReference")
                .Select(r => Path.GetRelativePath(Root, Path.GetDirectoryName(Path.GetFullPath(Path.Combine(dir, (string)r.Attribute("Include")!)))!))
                .Order(StringComparer.Ordinal));
        }
        string Show(IDictionary<string, string> g) => string.Join("\n", g.Select(kv => $"  {kv.Key} → {(kv.Value == "" ? "—" : kv.Value)}"));
        Assert.True(drawn.SequenceEqual(actual), $"docs/ARCHITECTURE.md draws\n{Show(drawn)}\nbut the .csproj files say\n{Show(actual)}");
    }

    // ---- helpers ----

    static IEnumerable<Type> OurTypes()
    {
        var assemblies = new[] { typeof(CliApp).Assembly }
            .Concat(typeof(CliApp).Assembly.GetReferencedAssemblies().Where(a => a.Name!.StartsWith("VideoVCReg.")).Select(Assembly.Load))
            .ToList();
        // Experiment references FineTune and Eval, which reference Runtime and Models; Decoding as well.
        foreach (var name in new[] { "VideoVCReg.Files", "VideoVCReg.Runtime", "VideoVCReg.Decoding", "VideoVCReg.Models", "VideoVCReg.FineTune", "VideoVCReg.Eval", "VideoVCReg.Experiment" })
            if (assemblies.All(a => a.GetName().Name != name)) assemblies.Add(Assembly.Load(name));
        foreach (var assembly in assemblies)
        {
            Type?[] types;
            try { types = assembly.GetTypes(); }
            catch (ReflectionTypeLoadException e) { types = e.Types; }
            foreach (var t in types)
                if (t is not null && !t.Name.Contains('<')) yield return t;
        }
    }

    /// <summary>The text with fenced code blocks and inline code removed (links inside them are not links).</summary>
    static string WithoutCode(string text) =>
        Regex.Replace(Regex.Replace(text, @"(?ms)^```.*?^```", ""), "`[^`\n]*`", "");

    /// <summary>GitHub's anchors for a page's headings: lower case, punctuation dropped, spaces to hyphens, -1, -2 for repeats.</summary>
    static HashSet<string> Anchors(string markdown)
    {
        var seen = new Dictionary<string, int>();
        var anchors = new HashSet<string>();
        foreach (Match m in Regex.Matches(Regex.Replace(markdown, @"(?ms)^```.*?^```", ""), @"(?m)^#{1,6} +(.+?) *$"))
        {
            var slug = new StringBuilder();
            foreach (var c in m.Groups[1].Value.ToLowerInvariant())
                if (char.IsLetterOrDigit(c) || c is '-' or '_') slug.Append(c);
                else if (c == ' ') slug.Append('-');
            var s = slug.ToString();
            int n = seen.GetValueOrDefault(s);
            seen[s] = n + 1;
            anchors.Add(n == 0 ? s : $"{s}-{n}");
        }
        return anchors;
    }

    /// <summary>The arguments of every `videovcreg` / `./videovcreg` line in the page's code blocks, continuations joined, comments dropped.</summary>
    static IEnumerable<string> CodeBlockCommands(string markdown)
    {
        foreach (Match block in Regex.Matches(markdown, @"(?ms)^```(bash|sh|)\n(.*?)^```"))
        {
            var joined = Regex.Replace(block.Groups[2].Value, @"\\\n\s*", " ");
            foreach (var raw in joined.Split('\n'))
            {
                var m = Regex.Match(raw, @"^\s*(?:\./)?videovcreg(?:\s+(.*))?$");
                if (!m.Success || m.Groups[1].Value.Trim() == "") continue;
                yield return StripComment(m.Groups[1].Value).Trim();
            }
        }
    }

    /// <summary>The line up to an unquoted `#` that starts a word.</summary>
    static string StripComment(string line)
    {
        char quote = '\0';
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quote != '\0') { if (c == quote) quote = '\0'; }
            else if (c is '\'' or '"') quote = c;
            else if (c == '#' && (i == 0 || char.IsWhiteSpace(line[i - 1]))) return line[..i];
        }
        return line;
    }

    /// <summary>POSIX shell words with single and double quotes (enough for documentation examples).</summary>
    static List<string> ShellWords(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        char quote = '\0';
        foreach (var c in line)
        {
            if (quote != '\0') { if (c == quote) quote = '\0'; else word.Append(c); }
            else if (c is '\'' or '"') { quote = c; inWord = true; }
            else if (char.IsWhiteSpace(c)) { if (inWord) { words.Add(word.ToString()); word.Clear(); inWord = false; } }
            else { word.Append(c); inWord = true; }
        }
        if (inWord) words.Add(word.ToString());
        return words;
    }
}

static class StringPartition
{
    /// <summary>Splits at the first separator: (before, separator or "", after or "").</summary>
    public static (string Before, string Separator, string After) Partition(this string s, char separator)
    {
        int i = s.IndexOf(separator);
        return i < 0 ? (s, "", "") : (s[..i], separator.ToString(), s[(i + 1)..]);
    }
}
