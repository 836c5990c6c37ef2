using System.CommandLine;
using System.Runtime.InteropServices;
using System.CommandLine.Help;
using VideoVCReg.Cli.Commands;
using VideoVCReg.Cli.Hosting;

namespace VideoVCReg.Cli;

/// <summary>The verb tree. Verbs are thin: parse, call the library, return an exit code.</summary>
public static class CliApp
{
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("VideoVCReg: fine-tune video transformers for action recognition with Variance-Covariance Regularization");
        foreach (var o in GlobalOptions.All) root.Options.Add(o);
        root.Subcommands.Add(InfoCommand.Build());
        root.Subcommands.Add(VideoCommand.Build());
        root.Subcommands.Add(DataCommand.Build());
        root.Subcommands.Add(BenchCommand.Build());
        root.Subcommands.Add(ModelsCommand.Build());
        root.Subcommands.Add(InspectCommand.Build());
        root.Subcommands.Add(PredictCommand.Build());
        root.Subcommands.Add(FineTuneCommand.Build());
        root.Subcommands.Add(EvalCommand.Build());
        root.Subcommands.Add(ReportCommand.Build());
        root.Subcommands.Add(PretrainCommand.Build());
        root.SetAction(parse => new HelpAction().Invoke(parse));
        return root;
    }

    /// <summary>
    /// What `videovcreg` with no arguments runs: the whole pipeline at a CPU-friendly size on the synthetic dataset
    /// with random weights (synthesise → fine-tune with fast VCReg → 10×3 test → runs/main/results.json).
    /// </summary>
    public static readonly string[] MainJob =
        ["finetune", "--model", "videomae-s", "--frames", "8", "--size", "112", "--epochs", "3", "--warmup-epochs", "1",
         "--batch-size", "4", "--out", "runs/main", "--force"]; // the demo's folder is rewritten on every run

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine($"videovcreg: no verb given, running the main job: videovcreg {string.Join(' ', MainJob)} (see 'videovcreg --help' for the verbs)");
            args = MainJob;
        }
        var parse = BuildRoot().Parse(args);
        if (parse.Errors.Count > 0)
        {
            // One line, not a help page: scripts read the reason, people can ask for --help.
            var reason = string.Join(" ", parse.Errors[0].Message.Split((char[])['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(p => p.Trim()));
            Console.Error.WriteLine($"videovcreg: {reason} (see 'videovcreg --help')");
            return 2;
        }
        // Ctrl+C (SIGINT) or SIGTERM cancels the verb's token so it can stop cleanly (exit 130);
        // a second Ctrl+C ends the process at once.
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            if (cts.IsCancellationRequested) return;
            e.Cancel = true;
            cts.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cts.Cancel(); });
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, cts.Token);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}
