using System.CommandLine;
using System.Globalization;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Eval;

namespace VideoVCReg.Cli.Commands;

/// <summary>`videovcreg report RUN_DIR... [--out DIR]`: finished runs side by side (the paper's Table 2 and Figure 3).</summary>
public static class ReportCommand
{
    public static Command Build()
    {
        var runs = new Argument<string[]>("RUN_DIR") { Description = "Finished finetune run folders (each with settings.json and report.json), or finished probe runs (then a transfer table, Table 1's layout)", Arity = ArgumentArity.OneOrMore };
        var outDir = new Option<string>("--out") { Description = "Folder for comparison.md, comparison.csv and top1_vs_noise.png", DefaultValueFactory = _ => "runs/report" };
        var cmd = new Command("report", "Put finished runs side by side: model × regularizer × noise σ, mean ± std over splits; top-1 against σ; per run a confusion matrix and report.csv")
        {
            runs, outDir,
        };
        Verb.SetAction(cmd, ctx =>
        {
            var dir = ctx.Parse.GetValue(outDir)!;
            var given = ctx.Parse.GetValue(runs)!;
            // A file named by --out once failed late, as "The file … already exists".
            if (File.Exists(dir)) throw new IOException($"{dir}: is a file, not a folder (--out)");
            // Probe runs (`probe`, the protocols) go in Table 1's layout instead: pretraining × downstream set.
            if (given.Any(VideoVCReg.Experiment.Protocols.TransferTable.IsProbe))
            {
                if (given.FirstOrDefault(d => !VideoVCReg.Experiment.Protocols.TransferTable.IsProbe(d)) is string other)
                    throw new ArgumentException($"{other}: not a finished probe run; give probe runs or finetune runs, not both");
                var table = VideoVCReg.Experiment.Protocols.TransferTable.From(given);
                Directory.CreateDirectory(dir);
                var md = table.Write(dir, "transfer");
                Console.WriteLine(table.Markdown());
                Console.WriteLine(md);
                return Task.FromResult(0);
            }
            var compared = RunComparison.Write(given, dir);
            foreach (var r in compared)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{r.Model,-14} {r.Regularizer,-28} σ {r.Noise,-4} top-1 {100 * r.Top1:F1} ± {100 * r.Top1Std:F1} % over {r.Splits.Count} split(s)  {r.Dir}"));
            Console.WriteLine(Path.Combine(dir, "comparison.md"));
            return Task.FromResult(0);
        });
        return cmd;
    }
}
