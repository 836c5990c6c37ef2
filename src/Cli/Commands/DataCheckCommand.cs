using System.CommandLine;
using System.Globalization;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Decoding.Datasets;

namespace VideoVCReg.Cli.Commands;

/// <summary>
/// `videovcreg data check SPEC`: one line per problem on stdout (`<where>: <reason>`), one per missing video, then a
/// summary line. Exit 1 when anything is wrong, so scripts can gate a run on it; missing videos alone fail it only
/// above --max-missing, the rule a run applies.
/// </summary>
public static class DataCheckCommand
{
    public static Command Build()
    {
        var dir = new Argument<string>("DATA") { Description = $"Dataset: {DatasetSpec.Accepted}" };
        var videoRoot = new Option<string?>("--video-root") { Description = "list:DIR only: where the lists' relative paths start and the folder their absolute paths must be in (default DIR)" };
        var maxMissing = new Option<double>("--max-missing") { Description = "Largest share of a split's train or test videos that may be missing (default 0.2)", DefaultValueFactory = _ => DatasetSplits.DefaultMaxMissing };
        var cmd = new Command("check", "Decode every listed video of a dataset; report bad, leaking, repeated, outside and missing entries");
        cmd.Arguments.Add(dir);
        cmd.Options.Add(videoRoot);
        cmd.Options.Add(maxMissing);
        Verb.SetAction(cmd, ctx =>
        {
            var share = ctx.Parse.GetValue(maxMissing);
            if (!(share >= 0 && share <= 1)) throw new ArgumentException($"--max-missing must be a share in [0, 1] (got {share})");
            var spec = DatasetSpec.Parse(ctx.Parse.GetValue(dir)!, ctx.Parse.GetValue(videoRoot));
            var result = DatasetCheck.Run(spec, share, cancel: ctx.Cancel);
            // The same line `video check` gives: a run would decode these files, differently from the CLI.
            foreach (var w in result.Warnings) Console.Error.WriteLine($"videovcreg: warning: {w}");
            foreach (var p in result.Problems) Console.WriteLine($"{p.Path}: {p.Reason}");
            foreach (var m in result.Missing) Console.WriteLine($"{m.Path}: {m.Reason}");
            var missing = result.Missing.Count == 0 ? "" : string.Create(CultureInfo.InvariantCulture,
                $", {result.Missing.Count} missing their video ({100.0 * result.Missing.Count / Math.Max(1, result.SplitEntries):0.#} %)");
            Console.WriteLine(result.Problems.Count == 0
                ? $"ok: {result.Videos} videos decode, {result.SplitEntries} split entries{(result.Missing.Count == 0 ? " all have their video" : missing)}"
                : $"{result.Problems.Count} problem(s) in {spec.Dir}: {result.Videos} videos scanned, {result.SplitEntries} split entries{missing}");
            return Task.FromResult(result.Problems.Count == 0 ? 0 : 1);
        });
        return cmd;
    }
}
