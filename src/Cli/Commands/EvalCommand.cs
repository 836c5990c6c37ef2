using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Experiment;
using VideoVCReg.Experiment.Specs;
using VideoVCReg.Experiment.Video;

namespace VideoVCReg.Cli.Commands;

/// <summary>
/// `videovcreg eval`: its options mapped to an <see cref="EvalSpec"/>, run by <see cref="Experiments"/>: a checkpoint on the test videos of one or more splits with N clips × M crops, and the
/// report over the splits (per split and mean), as `finetune` ends.
/// </summary>
public static class EvalCommand
{
    public static Command Build()
    {
        var model = new Option<string>("--model") { Description = "Preset name (see 'videovcreg models')", DefaultValueFactory = _ => "videomae-s" };
        var weights = new Option<string>("--weights") { Description = "Checkpoint to test (any supported layout); its head must fit the dataset's classes", Required = true };
        var presets = new Option<string?>("--presets") { Description = "Extra presets JSON layered over configs/models.json" };
        var frames = new Option<int?>("--frames") { Description = "Frames per clip, if not the checkpoint's" };
        var size = new Option<int?>("--size") { Description = "Square input size, if not the checkpoint's" };
        var batch = new Option<int>("--batch-size") { Description = "Views per forward pass", DefaultValueFactory = _ => 8 };
        var outDir = new Option<string>("--out") { Description = "Folder for split<k>/results.json and the report", DefaultValueFactory = _ => "runs/eval" };
        var force = new Option<bool>("--force") { Description = "Replace a run (an evaluation, or a training run) already in --out; without it such a folder is refused" };
        var cmd = new Command("eval", "Test a checkpoint on one or more splits with N clips × M crops; report per split and mean")
        {
            model, weights, presets, frames, size, batch, outDir, force,
        };
        DataCliOptions.AddTo(cmd, training: false);
        Verb.SetAction(cmd, ctx =>
        {
            Experiments.Run(SpecOf(ctx.Parse, ctx.Services, ctx.Runtime), ctx.Get<ILoggerFactory>(), ctx.Cancel);
            return Task.FromResult(0);
        });
        return cmd;
    }

    /// <summary>The evaluation an `eval` command line describes: its own options, the Data section as bound from every layer, the runtime's seed and device; checked once.</summary>
    static EvalSpec SpecOf(ParseResult p, IServiceProvider services, RuntimeOptions runtime) => new EvalSpec
    {
        Model = p.GetValue<string>("--model")!, Weights = p.GetValue<string>("--weights")!, Presets = p.GetValue<string?>("--presets"),
        Frames = p.GetValue<int?>("--frames"), Size = p.GetValue<int?>("--size"), BatchSize = p.GetValue<int>("--batch-size"),
        OutDir = p.GetValue<string>("--out")!, Force = p.GetValue<bool>("--force"), Seed = runtime.Seed, Device = runtime.Device,
        Data = services.GetRequiredService<IOptions<DataOptions>>().Value,
    }.Checked();

    /// <summary>The spec of a `eval` command line, bound as the verb binds it (<see cref="SpecBinding"/>).</summary>
    internal static EvalSpec Bind(string[] args) => SpecBinding.Bind("eval", args, SpecOf);
}
