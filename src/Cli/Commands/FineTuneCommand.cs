using System.CommandLine;
using VideoVCReg.Cli.Hosting;

namespace VideoVCReg.Cli.Commands;

/// <summary>
/// `videovcreg finetune`: fine-tune a video preset on an HMDB51-layout dataset (synthetic when none is given)
/// with a feature regularizer, validate every epoch, test each split with N clips × M crops, and report per split and mean.
/// </summary>
public static class FineTuneCommand
{
    public static Command Build()
    {
        var model = new Option<string>("--model") { Description = "Preset name (see 'videovcreg models')", DefaultValueFactory = _ => "videomae-s" };
        var weights = new Option<string?>("--weights") { Description = "Pretrained checkpoint (any supported layout); random weights when absent" };
        var presets = new Option<string?>("--presets") { Description = "Extra presets JSON layered over configs/models.json" };
        var frames = new Option<int?>("--frames") { Description = "Frames per clip, if not the preset's" };
        var size = new Option<int?>("--size") { Description = "Square input size, if not the preset's" };
        var outDir = new Option<string>("--out") { Description = "Run folder: split<k>/ (metrics.jsonl, checkpoint-last/best.pth, results.json) and the report over splits", DefaultValueFactory = _ => "runs/finetune" };
        var force = new Option<bool>("--force") { Description = "Replace a finished or unfinished run in --out (its splits, reports and plots are deleted first)" };
        var noTest = new Option<bool>("--no-test") { Description = "Train and validate only (a sweep's trials; the run is scored by its validation top-1 in metrics.jsonl)" };
        var cmd = new Command("finetune", "Fine-tune a video transformer with a feature regularizer (VCReg by default), test each split, report per split and mean")
        {
            model, weights, presets, frames, size, outDir, force, noTest,
        };
        TrainCliOptions.AddTo(cmd);
        DataCliOptions.AddTo(cmd, training: true);
        RegularizerCliOptions.AddTo(cmd);
        Verb.SetAction(cmd, ctx =>
        {
            var p = ctx.Parse;
            var run = new FineTuneRun(ctx, p.GetValue(model)!, p.GetValue(weights), p.GetValue(presets), p.GetValue(frames), p.GetValue(size), p.GetValue(outDir)!, p.GetValue(force), p.GetValue(noTest));
            return Task.FromResult(run.Execute());
        });
        return cmd;
    }
}
