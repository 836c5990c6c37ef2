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
        root.Subcommands.Add(ProbeCommand.Build());
        root.Subcommands.Add(ProtocolCommand.Build());
        root.Subcommands.Add(AnalyzeCommand.Build());
        root.Subcommands.Add(DemoCommand.Build());
        root.Subcommands.Add(SweepCommand.Build());
        root.Subcommands.Add(DocsCliCommand.Build());
        root.SetAction(parse => new HelpAction().Invoke(parse));
        return root;
    }

    /// <summary>
    /// What `videovcreg` with no arguments runs: the user's `finetune --model videomae-s --noise 1.5` over all three
    /// splits of the synthetic dataset, at a CPU size (4 frames of 32², a few epochs), starting from weights the
    /// project makes itself: supervised pretraining on rendered motion classes the dataset does not have (the
    /// paper's Kinetics → HMDB51 protocol in miniature), kept in runs/main-pretrain and reused while its settings hold.
    /// Both steps see the synthetic data with a scene colour that follows the class's direction ± 35° (it tells
    /// neighbouring classes apart only partly; motion does the rest).
    /// </summary>
    public static readonly string[][] MainJob =
    [
        ["pretrain", "--model", "videomae-s", "--frames", "4", "--size", "32", "--sampling-rate", "8", "--scene-colour-jitter", "35",
         "--classes", "16", "--steps-per-epoch", "40", "--epochs", "4", "--warmup-epochs", "1", "--batch-size", "32", "--lr", "2.4e-3",
         "--layer-decay", "1", "--mixup", "0", "--cutmix", "0", "--num-sample", "1", "--rand-augment", "none", "--crop-min-area", "0.4",
         "--reg", "none", "--out", "runs/main-pretrain", "--reuse"],
        ["finetune", "--model", "videomae-s", "--noise", "1.5", "--weights", "runs/main-pretrain/split1/checkpoint-last.pth",
         "--frames", "4", "--size", "32", "--sampling-rate", "8", "--scene-colour-jitter", "35", "--split", "all",
         "--epochs", "8", "--warmup-epochs", "1", "--batch-size", "8", "--lr", "1e-2", "--mixup", "0", "--cutmix", "0",
         "--rand-augment", "none", "--crop-min-area", "0.4", "--out", "runs/main", "--force"], // the demo's folder is rewritten on every run
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 0) return await RunVerbAsync(args);
        Console.Error.WriteLine("videovcreg: no verb given, running the main job (see 'videovcreg --help' for the verbs):");
        foreach (var step in MainJob) Console.Error.WriteLine($"  videovcreg {string.Join(' ', step)}");
        foreach (var step in MainJob)
        {
            Console.Error.WriteLine($"videovcreg: main job: videovcreg {string.Join(' ', step.Take(3))} ...");
            int rc = await RunVerbAsync(step);
            if (rc != 0) return rc;
        }
        return 0;
    }

    /// <summary>The first parse error of a command line as one line, or null when it parses.</summary>
    internal static string? ParseProblem(string[] args)
    {
        var parse = BuildRoot().Parse(args);
        if (parse.Errors.Count == 0) return null;
        // A switch given a word (`--flip yes`) leaves the word unmatched; say what the switch takes instead.
        if (parse.UnmatchedTokens.FirstOrDefault() is string word && Array.IndexOf(args, word) is int at and > 0
            && parse.CommandResult.Command.Options.FirstOrDefault(o => o.Name == args[at - 1] || o.Aliases.Contains(args[at - 1])) is { ValueType: var type }
            && type == typeof(bool))
            return $"{args[at - 1]} is a switch: give it alone, or true or false (got '{word}')";
        return string.Join(" ", parse.Errors[0].Message.Split((char[])['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(p => p.Trim()));
    }

    static async Task<int> RunVerbAsync(string[] args)
    {
        var parse = BuildRoot().Parse(args);
        if (ParseProblem(args) is string reason)
        {
            // One line, not a help page: scripts read the reason, people can ask for --help.
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
            Hosting.Verb.AnnounceInterrupt();
            cts.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; Hosting.Verb.AnnounceInterrupt(); cts.Cancel(); });
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
