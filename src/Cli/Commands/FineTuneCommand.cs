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
        var cmd = new Command("finetune", "Fine-tune a video transformer with a feature regularizer (VCReg by default), test each split, report per split and mean")
        {
            model, weights, presets, frames, size, outDir, force,
            Opt<int>("--epochs", "FineTune:Epochs", "Training epochs (default 50)"),
            Opt<int>("--batch-size", "FineTune:BatchSize", "Clips per step (default 8)"),
            Opt<double>("--lr", "FineTune:BaseLr", "Base learning rate at batch 256; the peak is lr·batch/256 (default 1e-3)"),
            Opt<double>("--min-lr", "FineTune:MinLr", "Final learning rate of the cosine (default 1e-6)"),
            Opt<double>("--warmup-epochs", "FineTune:WarmupEpochs", "Linear warm-up, in epochs (default 5, at most a tenth of the run)"),
            Opt<double>("--weight-decay", "FineTune:WeightDecay", "AdamW weight decay, not on biases, norms, tokens, position tables (default 0.05)"),
            Opt<double>("--layer-decay", "FineTune:LayerDecay", "Per-block learning-rate decay; 1 turns it off (default 0.75)"),
            Opt<double>("--label-smoothing", "FineTune:LabelSmoothing", "Cross-entropy label smoothing (default 0.1)"),
            Opt<double>("--clip-grad", "FineTune:ClipGrad", "Clip the gradient norm to this (default off)"),
            Opt<int>("--update-freq", "FineTune:UpdateFreq", "Micro-batches accumulated per optimizer step; the lr scales with batch × update-freq (default 1)"),
            Opt<double>("--mixup", "FineTune:Mixup", "Mixup α; 0 with --cutmix 0 turns mixing off (default 0.8)"),
            Opt<double>("--cutmix", "FineTune:Cutmix", "Cutmix α (default 1.0)"),
            Opt<double>("--mixup-prob", "FineTune:MixupProb", "Probability that a batch is mixed (default 1.0)"),
            Opt<double>("--mixup-switch-prob", "FineTune:MixupSwitchProb", "Probability of cutmix instead of mixup when both are on (default 0.5)"),
            Opt<int>("--num-sample", "FineTune:RepeatedAugment", "Augmented views of each training video per step (repeated augmentation; default 2)"),
            Opt<double>("--drop-path", "FineTune:DropPath", "Stochastic depth rate, overriding the preset's"),
            Opt<string>("--test-weights", "FineTune:TestWeights", "Weights the test scores: last or best (best validation top-1) (default last)"),
        };
        DataCliOptions.AddTo(cmd, training: true);
        RegularizerCliOptions.AddTo(cmd);
        Verb.SetAction(cmd, ctx =>
        {
            var p = ctx.Parse;
            var run = new FineTuneRun(ctx, p.GetValue(model)!, p.GetValue(weights), p.GetValue(presets), p.GetValue(frames), p.GetValue(size), p.GetValue(outDir)!, p.GetValue(force));
            return Task.FromResult(run.Execute());
        });
        return cmd;
    }

    static ConfigOption<T> Opt<T>(string name, string key, string description) => new ConfigOption<T>(name, key, description).Init();
}
