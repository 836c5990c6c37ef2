using VideoVCReg.Experiment;
using VideoVCReg.Experiment.Video;
using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VideoVCReg.Runtime;
using VideoVCReg.Runtime.Distributed;

namespace VideoVCReg.Cli.Hosting;

/// <summary>
/// Builds the generic host for one verb. Configuration layers, later wins:
/// configs/default.json (next to the executable); for an image run, configs/image-training.json and the image preset's
/// α, β and placement; the recipe (`--recipe NAME`, or an image run's own: <see cref="RecipeChoice"/>; configs/recipes/NAME.json);
/// `--config FILE`; environment `VIDEOVCREG_*`; then the options typed on the command line.
/// </summary>
public static class AppHost
{
    public static IHost Build(ParseResult parse, Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = AppContext.BaseDirectory,
        });
        var recipe = AddLayers(builder.Configuration, parse);
        // Before anything binds: a mistyped key would otherwise run silently on the default.
        if (ConfigurationCheck.Problems(builder.Configuration).ToList() is { Count: > 0 } problems)
            throw new UserInputException($"configuration: {string.Join("; ", problems)}");

        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        // Logs go to stderr so that `--json` output on stdout stays machine-readable.
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(
            o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        if (parse.GetValue(GlobalOptions.Verbose)) builder.Logging.SetMinimumLevel(LogLevel.Debug);
        // Data parallel: rank 0 tells the story; the other ranks speak up for warnings (a skipped video) and errors only.
        if (ProcessGroup.World.Rank > 0) builder.Logging.AddFilter((_, level) => level >= LogLevel.Warning);

        // The sections ConfigurationCheck.Sections checks.
        builder.Services.AddOptions<RuntimeOptions>().BindConfiguration("Runtime").ValidateOnStart();
        builder.Services.AddOptions<Models.Regularization.RegularizerOptions>().BindConfiguration("Regularizer");
        builder.Services.AddOptions<FineTune.TrainOptions>().BindConfiguration("FineTune");
        builder.Services.AddOptions<DataOptions>().BindConfiguration("Data");
        builder.Services.AddSingleton(recipe);
        services?.Invoke(builder.Services);
        return builder.Build();
    }

    /// <summary>The configuration layers of <paramref name="parse"/>'s command, in order (see the class summary).</summary>
    static RecipeChoice AddLayers(IConfigurationBuilder configuration, ParseResult parse)
    {
        var configDir = Path.Combine(AppContext.BaseDirectory, "configs");
        configuration.AddJsonFile(Path.Combine(configDir, "default.json"), optional: true);
        var choice = RecipeChoice.Of(parse);
        if (choice.Image is not null)
        {
            configuration.AddJsonFile(Path.Combine(configDir, RecipeChoice.ImageLayerFile), optional: false);
            configuration.AddInMemoryCollection(choice.PresetLayer());
        }
        // A recipe is a configuration file of configs/recipes, under --config and the typed options.
        if (choice.Name is string recipe) configuration.AddJsonFile(Recipes.PathOf(recipe), optional: false);
        var extra = parse.GetValue(GlobalOptions.Config);
        if (extra != null)
        {
            // Checked before .NET's loader opens it: a FIFO would block it, a device reads as garbage.
            if (Files.InputFile.Problem(extra, "configuration") is string bad) throw new UserInputException(bad);
            configuration.AddJsonFile(Path.GetFullPath(extra), optional: false);
        }
        configuration.AddEnvironmentVariables("VIDEOVCREG_");
        var typed = ConfigOverrides.From(parse);
        configuration.AddInMemoryCollection(ShortenedWarmup(configuration, typed));
        configuration.AddInMemoryCollection(typed);
        return choice;
    }

    /// <summary>
    /// A typed <c>--epochs</c> shorter than the warm-up a recipe or file sets (`pretrain --objective vicreg --epochs 1` under
    /// the vicreg recipe's 5 of 100) keeps the recipe's share of the run as warm-up (0.05 epochs), where it would otherwise be
    /// refused. A typed <c>--warmup-epochs</c> is never changed, and a warm-up that fits is kept as the recipe states it.
    /// </summary>
    static Dictionary<string, string?> ShortenedWarmup(IConfigurationBuilder layers, IReadOnlyDictionary<string, string?> typed)
    {
        var shortened = new Dictionary<string, string?>();
        if (typed.ContainsKey("FineTune:WarmupEpochs") || !typed.TryGetValue("FineTune:Epochs", out var text)
            || !int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out int epochs) || epochs < 1) return shortened;
        var below = layers.Build();
        double? warmup = below.GetValue<double?>("FineTune:WarmupEpochs");
        int? stated = below.GetValue<int?>("FineTune:Epochs");
        if (warmup is double w && w >= epochs && stated is int of && of > 0)
            shortened["FineTune:WarmupEpochs"] = (w * epochs / of).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        return shortened;
    }

    /// <summary>
    /// Whether the command runs low-precision autocast: `bench amp`, `--amp` handed on by a verb that runs others (`sweep`), or
    /// FineTune:Amp in the configuration as <see cref="Build"/> layers it (typed `--amp`, a `--config` file, a recipe,
    /// VIDEOVCREG_FineTune__Amp). Read before any tensor exists, for
    /// <see cref="OneDnnIsa"/>; a command line or layer that does not load counts as no, and the host reports it.
    /// </summary>
    public static bool WantsAutocast(string[] args)
    {
        var parse = CliApp.BuildRoot().Parse(args);
        if (parse.CommandResult.Command.Name == "amp" && parse.CommandResult.Parent is System.CommandLine.Parsing.CommandResult { Command.Name: "bench" }) return true;
        // A verb without a typed --amp (sweep) hands it on to runs inside this process.
        bool typedOption = parse.CommandResult.Command.Options.Any(o => o.Name == "--amp");
        if (!typedOption && args.Contains("--amp")) return true;
        if (parse.Errors.Count > 0) return false;
        // `sweep DIR` works on a plan written earlier: its trials' options are in DIR/sweep.json, not on this command line.
        // Only in that mode (no grid, no --out): starting a new sweep, an unknown option's value may be parsed as DIR.
        if (parse.CommandResult.Command.Name == "sweep" && !args.Intersect([.. Experiment.Sweeps.SweepPlan.Tuned, .. Experiment.Sweeps.SweepPlan.Condition, Experiment.Sweeps.SweepPlan.SplitAxis, "--out"]).Any()
            && parse.CommandResult.Command.Arguments.FirstOrDefault() is System.CommandLine.Argument<string?> dir
            && parse.GetValue(dir) is string existing && File.Exists(Path.Combine(existing, Experiment.Sweeps.SweepPlan.FileName)))
        {
            try
            {
                var plan = Experiment.Sweeps.SweepPlan.Read(existing);
                // A plan whose verb is not a trial verb (a hand-edited "sweep") would recurse without end; the sweep refuses it.
                // The trials run the spec bound when the sweep started, whatever today's environment and --config say.
                if (plan.Spec is { } spec) return spec.Train.Amp;
                if (plan.Pretrain is { } pretrain) return pretrain.Train.Amp;
                return Experiment.Sweeps.SweepPlan.Verbs.Contains(plan.Verb) && WantsAutocast([plan.Verb, .. plan.BaseArgs]);
            }
            catch (Exception) { return false; } // the sweep itself reports an unreadable plan
        }
        try
        {
            var builder = new ConfigurationBuilder();
            AddLayers(builder, parse);
            return builder.Build().GetValue<bool>("FineTune:Amp");
        }
        catch (Exception) { return false; } // whatever does not load here, Build reports in one line
    }
}

/// <summary>Options every verb shares.</summary>
public sealed record RuntimeOptions
{
    public string Device { get; init; } = "auto";
    public int Threads { get; init; }
    public long Seed { get; init; } = 0;
}
