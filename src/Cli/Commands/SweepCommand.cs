using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Experiment.Sweeps;
using VideoVCReg.Runtime.IO;

namespace VideoVCReg.Cli.Commands;

/// <summary>
/// `videovcreg sweep`: appendix C.2's grid as a folder of `finetune` or `pretrain` trials (<see cref="SweepWorker"/>); the
/// trials are copies of one base spec, bound here from the trials' options when the sweep starts. Worked
/// through by any number of local processes or a Slurm job array, then the best setting retrained and tested; `--summary`
/// ranks it. Options the sweep does not know are the trials' fixed options; α and β lists not given come from the Grid of
/// their `--recipe` or `--config` (<see cref="ConfigGrid"/>).
/// </summary>
public static class SweepCommand
{
    static readonly string[] OwnValued = ["--alpha", "--beta", "--noise", "--split", "--out", "--trial", "--partition", "--gpus-per-task", "--cpus-per-task", "--time", "--verb"];
    static readonly string[] OwnFlags = ["--final", "--summary", "--slurm", "--dry-run"];

    /// <summary>
    /// The trials' fixed options: every token after `sweep` that is not the sweep's own option or its value, in order.
    /// Global options given here (--seed, --threads, --device, --config, --verbose) are kept too: the sweep's parse takes
    /// them, and the trials must get them as well. Read from the raw tokens, since an unknown option's value would
    /// otherwise be taken for the DIR argument.
    /// </summary>
    static List<string> FixedArgs(ParseResult p)
    {
        var tokens = p.Tokens.Select(t => t.Value).ToList();
        int start = p.Tokens.ToList().FindIndex(t => t.Type == System.CommandLine.Parsing.TokenType.Command && t.Value == "sweep") + 1;
        var fixedArgs = new List<string>();
        for (int i = start; i < tokens.Count; i++)
        {
            if (OwnValued.Contains(tokens[i])) { i++; continue; }
            if (OwnFlags.Contains(tokens[i])) continue;
            fixedArgs.Add(tokens[i]);
        }
        return fixedArgs;
    }

    /// <summary>
    /// The axes the command line leaves out, from the <c>Grid</c> of the trials' <c>--recipe</c> and then of their
    /// <c>--config</c>, which is layered over it. A recipe without a Grid, and no α or β given, is one line rather than a
    /// sweep of nothing.
    /// </summary>
    static IEnumerable<SweepAxis> GridAxes(List<string> fixedArgs, List<SweepAxis> typed)
    {
        var fromFiles = new Dictionary<string, SweepAxis>();
        string? recipe = LastValue(fixedArgs, TrainCliOptions.RecipeName);
        if (recipe is not null)
        {
            var path = Recipes.PathOf(recipe);
            var grid = ConfigGrid.Read(path);
            if (grid is null && !typed.Any(a => SweepPlan.Tuned.Contains(a.Option)))
                throw new UserInputException($"sweep --recipe {recipe}: configs/recipes/{recipe}.json has no Grid section to sweep; give --alpha and --beta lists");
            foreach (var axis in grid ?? []) fromFiles[axis.Option] = axis;
        }
        if (LastValue(fixedArgs, GlobalOptions.Config.Name) is string config && File.Exists(config))
            foreach (var axis in ConfigGrid.Read(config) ?? []) fromFiles[axis.Option] = axis;
        return SweepPlan.Tuned.Where(o => fromFiles.ContainsKey(o) && typed.All(a => a.Option != o)).Select(o => fromFiles[o]);
    }

    /// <summary>The value of the last <paramref name="name"/> among the trials' options, as `--name V` or `--name=V`.</summary>
    static string? LastValue(List<string> args, string name)
    {
        string? value = null;
        for (int i = 0; i < args.Count; i++)
        {
            if (args[i] == name && i + 1 < args.Count) value = args[++i];
            else if (args[i].StartsWith(name + "=", StringComparison.Ordinal) || args[i].StartsWith(name + ":", StringComparison.Ordinal)) value = args[i][(name.Length + 1)..];
        }
        return value;
    }

    static string[] List(string? s) => s is null ? [] : s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static Command Build()
    {
        var dirArg = new Argument<string?>("DIR") { Description = "An existing sweep folder (with --trial, --final, --summary, or to work on it)", Arity = ArgumentArity.ZeroOrOne };
        var alpha = new Option<string?>("--alpha") { Description = "VCReg α values, comma-separated (a tuned axis; default: the Grid of the trials' --recipe or --config, if it has one)" };
        var beta = new Option<string?>("--beta") { Description = "VCReg β values, comma-separated (a tuned axis; default: the Grid of the trials' --recipe or --config, if it has one)" };
        var noise = new Option<string?>("--noise") { Description = "Noise σ values, comma-separated (a condition: one final run each)" };
        var split = new Option<string?>("--split") { Description = "Official splits, comma-separated (scores are averaged over them; the final run uses them all)" };
        var outDir = new Option<string?>("--out") { Description = "The new sweep's folder: sweep.json, trial-<k>/ (finetune run folders), final/, summary.md, heatmap.png" };
        var trial = new Option<int?>("--trial") { Description = "Run trial K of the sweep in DIR (a Slurm array task); returns at once if it is finished or running elsewhere" };
        var final = new Option<bool>("--final") { Description = "Run the final stage of DIR: per noise σ the best α, β retrained on the full training splits and tested" };
        var summary = new Option<bool>("--summary") { Description = "Rank the finished trials of DIR, list unfinished and failed ones, write summary.md/.csv and heatmap.png" };
        var slurm = new Option<bool>("--slurm") { Description = "Write an sbatch job array (task K runs sweep --trial K DIR) and a final job after it, and submit both" };
        var partition = new Option<string?>("--partition") { Description = "--slurm: the partition" };
        var gpus = new Option<int?>("--gpus-per-task") { Description = "--slurm: GPUs per array task" };
        var cpus = new Option<int>("--cpus-per-task") { Description = "--slurm: CPUs per array task, also its --threads (default 2)", DefaultValueFactory = _ => 2 };
        var time = new Option<string>("--time") { Description = "--slurm: time limit per task, HH:MM (default 04:00)", DefaultValueFactory = _ => "04:00" };
        var dryRun = new Option<bool>("--dry-run") { Description = "--slurm: write the scripts, do not submit" };
        var verb = new Option<string?>("--verb") { Description = "What each trial runs: finetune or pretrain (an image backbone's trials are scored on --val-share, which the sweep sets); default pretrain when the trials name --arch or an image --recipe, else finetune" };
        verb.AcceptOnlyFromAmong(SweepPlan.Verbs);
        var cmd = new Command("sweep", "A hyperparameter grid of finetune or pretrain trials (appendix C.2; a recipe's Grid with --recipe), run by local workers or a Slurm job array; the best setting retrained and tested")
        {
            dirArg, alpha, beta, noise, split, outDir, trial, final, summary, slurm, partition, gpus, cpus, time, dryRun, verb,
        };
        cmd.TreatUnmatchedTokensAsErrors = false;
        Verb.SetAction(cmd, async ctx =>
        {
            var p = ctx.Parse;
            var loggers = ctx.Services.GetRequiredService<ILoggerFactory>();
            var log = loggers.CreateLogger("sweep");
            var axes = new[] { ("--alpha", p.GetValue(alpha)), ("--beta", p.GetValue(beta)), ("--noise", p.GetValue(noise)), ("--split", p.GetValue(split)) }
                .Where(a => a.Item2 is not null).Select(a => new SweepAxis(a.Item1, List(a.Item2))).ToList();
            // Global options given before `sweep` belong to the sweep process; after it, to the trials as well.
            var fixedArgs = FixedArgs(p);
            string? existing = p.GetValue(dirArg);
            int modes = (p.GetValue(trial) is not null ? 1 : 0) + (p.GetValue(final) ? 1 : 0) + (p.GetValue(summary) ? 1 : 0);
            if (modes > 1) throw new UserInputException("give one of --trial, --final and --summary");
            if (modes == 1 || (axes.Count == 0 && p.GetValue(outDir) is null))
            {
                if (existing is not null) fixedArgs.Remove(existing);
                // An existing sweep: its plan is in the folder, so no grid or fixed options may be given.
                var dir = existing ?? p.GetValue(outDir) ?? throw new UserInputException("sweep: give a grid (--alpha ... --out DIR) or an existing sweep folder DIR");
                if (axes.Count > 0 || fixedArgs.Count > 0)
                    throw new UserInputException($"sweep {dir}: the grid and fixed options are in its sweep.json; give them only when starting a sweep (unexpected: {string.Join(" ", axes.Select(a => a.Option).Concat(fixedArgs))})");
                var worker = new SweepWorker(dir, SweepPlan.Read(dir), log, loggers);
                if (p.GetValue(trial) is int k) return await worker.RunTrial(k, ctx.Cancel);
                if (p.GetValue(final)) return await worker.RunFinal(ctx.Cancel);
                if (p.GetValue(summary)) { Console.WriteLine(SweepSummary.Write(worker)); return 0; }
                return await worker.Work(ctx.Cancel);
            }
            var root = p.GetValue(outDir) ?? throw new UserInputException("sweep: --out DIR names the new sweep's folder");
            axes.AddRange(GridAxes(fixedArgs, axes));
            // Every recipe in configs/recipes trains an image backbone, so a sweep of one is a sweep of pretrain trials.
            var verbName = p.GetValue(verb) ?? (LastValue(fixedArgs, "--arch") is not null || LastValue(fixedArgs, TrainCliOptions.RecipeName) is not null ? "pretrain" : "finetune");
            var plan = new SweepPlan(verbName, fixedArgs, axes);
            var problems = plan.Problems().ToList();
            var options = new SlurmOptions(p.GetValue(partition), p.GetValue(gpus), p.GetValue(cpus), p.GetValue(time)!, p.GetValue(dryRun));
            if (p.GetValue(slurm)) problems.AddRange(options.Problems());
            if (problems.Count == 0) plan = WithBaseSpec(plan, fixedArgs, root, problems);
            // Again with the bound spec: its data may come from --config or the environment, which the first check cannot see.
            if (problems.Count == 0 && plan.Spec is not null) problems.AddRange(plan.Problems());
            if (problems.Count > 0) throw new UserInputException(string.Join("; ", problems));
            return await Start(plan, root, p.GetValue(slurm) ? options : null, log, loggers, ctx.Cancel);
        });
        return cmd;
    }

    /// <summary>The trials' options bound into the base spec now, not in a job hours later, and the first trial checked; a problem is added, not thrown.</summary>
    static SweepPlan WithBaseSpec(SweepPlan plan, List<string> fixedArgs, string root, List<string> problems)
    {
        try
        {
            if (plan.Verb == "finetune")
            {
                plan = plan with { Spec = FineTuneCommand.Bind(["finetune", .. fixedArgs, "--out", root]) };
                plan.TrialSpec(plan.Trials()[0], root);
            }
            else
            {
                plan = plan with { Pretrain = PretrainCommand.Bind(["pretrain", .. fixedArgs, "--out", root]) };
                plan.PretrainTrialSpec(plan.Trials()[0], root);
            }
        }
        catch (Exception e) when (e is UserInputException or ArgumentException or FormatException or InvalidDataException or Microsoft.Extensions.Options.OptionsValidationException or InvalidOperationException)
        {
            problems.Add($"the trials' options: {Verb.WithCause(e)}");
        }
        return plan;
    }

    /// <summary>Writes the new sweep's plan (or joins the same plan another worker just wrote) and works on it here, or submits it to Slurm.</summary>
    static async Task<int> Start(SweepPlan plan, string root, SlurmOptions? slurm, ILogger log, ILoggerFactory loggers, CancellationToken cancel)
    {
        if (File.Exists(root)) throw new UserInputException($"{root}: is a file, not a sweep folder (--out)");
        Directory.CreateDirectory(root);
        var planPath = Path.Combine(root, SweepPlan.FileName);
        // Workers started together on a new folder: one creates the plan, the others find the same plan and join it.
        if (!AtomicFile.CreateTextOnce(planPath, plan.ToJson()) && File.ReadAllText(planPath) != plan.ToJson())
            throw new UserInputException($"{root}: holds another sweep (its {SweepPlan.FileName} differs); choose another --out, or run 'sweep {root}' to continue that one");
        var sweep = new SweepWorker(root, plan, log, loggers);
        Console.WriteLine($"sweep {root}: {plan.Trials().Count} trials ({string.Join(" × ", plan.Axes.Select(a => $"{a.Values.Count} {a.Option.TrimStart('-')}"))})");
        if (slurm is null) return await sweep.Work(cancel);
        var (arrayScript, finalScript) = SlurmScript.Write(root, plan, slurm, SlurmScript.SelfCommand());
        if (slurm.DryRun) { Console.WriteLine($"written (not submitted): {arrayScript}, {finalScript}"); return 0; }
        var jobs = SlurmScript.Submit(root, arrayScript, finalScript);
        Console.WriteLine($"submitted: array job {jobs.ArrayJob} ({plan.Trials().Count} tasks), final job {jobs.FinalJob} after it; 'videovcreg sweep --summary {root}' shows progress");
        return 0;
    }
}
