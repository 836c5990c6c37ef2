using System.CommandLine;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Decoding.Datasets;

namespace VideoVCReg.Cli.Commands;

/// <summary>
/// `videovcreg data check DIR`: one line per problem on stdout (`<where>: <reason>`), then a summary line.
/// Exit 1 when anything is wrong, so scripts can gate a run on it.
/// </summary>
public static class DataCheckCommand
{
    public static Command Build()
    {
        var dir = new Argument<string>("DIR") { Description = "Dataset folder in the HMDB51 layout (videos/<class>/..., <class>_test_split<k>.txt)" };
        var cmd = new Command("check", "Decode every video of a dataset and check every split-file entry has its video");
        cmd.Arguments.Add(dir);
        Verb.SetAction(cmd, ctx =>
        {
            var root = ctx.Parse.GetValue(dir)!;
            var result = DatasetCheck.Run(root, cancel: ctx.Cancel);
            foreach (var p in result.Problems) Console.WriteLine($"{p.Path}: {p.Reason}");
            Console.WriteLine(result.Problems.Count == 0
                ? $"ok: {result.Videos} videos decode, {result.SplitEntries} split entries all have their video"
                : $"{result.Problems.Count} problem(s) in {root}: {result.Videos} videos scanned, {result.SplitEntries} split entries");
            return Task.FromResult(result.Problems.Count == 0 ? 0 : 1);
        });
        return cmd;
    }
}
