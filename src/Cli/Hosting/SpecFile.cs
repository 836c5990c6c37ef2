using System.CommandLine;
using System.CommandLine.Parsing;

namespace VideoVCReg.Cli.Hosting;

/// <summary>
/// `--spec FILE`: a verb runs the spec a file holds (what `finetune --slurm` writes for its jobs, a sweep trial's spec.json)
/// instead of binding one from the configuration layers. The file is the whole run, so an option that would change it is
/// refused rather than silently dropped or silently applied; only what says how the command runs may go beside it.
/// </summary>
public static class SpecFile
{
    /// <summary>Options that say how the command runs, not what: they may go beside --spec.</summary>
    static readonly HashSet<string> Beside = ["--spec", "--fold-task", "--force", "--reuse", "--threads", "--device", "--workers", "--verbose", "-v"];

    public static Option<string?> Option() => new("--spec")
    {
        Description = "Run the spec in this JSON file (OUT/spec.json of --slurm, a sweep trial's spec.json) instead of these options; " +
            "it is the whole run: only --force, --reuse (pretrain), --device, --workers, --threads and --verbose may go with it, and replace the file's",
    };

    /// <summary>
    /// The device and decode workers typed beside a spec file (null where not typed): run control, so they replace the file's,
    /// as a resume on another node may use another device.
    /// </summary>
    public static (string? Device, int? Workers) Typed(VerbContext ctx)
    {
        var typed = TypedOptions(ctx.Parse);
        return (typed.Contains("--device") ? ctx.Runtime.Device : null, typed.Contains("--workers") ? ctx.Options<Experiment.Video.DataOptions>().Workers : null);
    }

    /// <summary>The spec in <paramref name="file"/>, read by <paramref name="read"/>, after refusing any option that would change it.</summary>
    public static T Read<T>(ParseResult p, string file, Func<string, T> read)
    {
        var changing = TypedOptions(p).Where(o => !Beside.Contains(o)).ToList();
        if (changing.Count > 0)
            throw new UserInputException($"--spec {file} is the whole run: {string.Join(", ", changing)} cannot be added to it (edit the file, or leave --spec out)");
        if (Files.InputFile.Problem(file, "spec") is string bad) throw new UserInputException(bad);
        return read(file);
    }

    /// <summary>
    /// The options typed on the command line, global ones before the verb included, in order and once each (a token, not
    /// the option's result: a recursive option set before the verb is not the verb's own).
    /// </summary>
    static IReadOnlyList<string> TypedOptions(ParseResult p) =>
        [.. p.Tokens.Where(t => t.Type == TokenType.Option).Select(t => t.Value.Split('=')[0]).Distinct()];
}
