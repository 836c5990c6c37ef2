using System.CommandLine;

namespace VideoVCReg.Cli.Hosting;

/// <summary>The command-line face of the `FineTune` configuration section (the loop's recipe), shared by `finetune` and `pretrain`.</summary>
public static class TrainCliOptions
{
    /// <summary>The option naming a recipe of configs/recipes (read by <see cref="AppHost"/> as a configuration layer).</summary>
    public const string RecipeName = "--recipe";

    public static void AddTo(Command command)
    {
        command.Options.Add(new Option<string?>(RecipeName)
        {
            Description = $"A training recipe of configs/recipes ({string.Join(", ", Recipes.Known())}): a configuration layer under --config and the options typed here. Image runs (--arch) without it take their --objective's (simclr, vicreg) or their preset's",
        });
        command.Options.Add(Option<string>("--optimizer", "FineTune:Optimizer", "adamw (default), adam, sgd or lars"));
        command.Options.Add(Option<double>("--momentum", "FineTune:Momentum", "SGD momentum (default 0.9)"));
        command.Options.Add(Option<bool>("--nesterov", "FineTune:Nesterov", "Nesterov momentum (SGD only)"));
        command.Options.Add(Option<int>("--epochs", "FineTune:Epochs", "Training epochs (default 50)"));
        command.Options.Add(Option<int>("--batch-size", "FineTune:BatchSize", "Clips per step (default 8)"));
        command.Options.Add(Option<double>("--lr", "FineTune:BaseLr", "Base learning rate at batch 256; the peak is lr·batch/256 (default 1e-3)"));
        command.Options.Add(Option<double>("--min-lr", "FineTune:MinLr", "Final learning rate of the cosine (default 1e-6)"));
        command.Options.Add(Option<double>("--warmup-epochs", "FineTune:WarmupEpochs", "Linear warm-up, in epochs (default 5, at most a tenth of the run)"));
        command.Options.Add(Option<double>("--warmup-start-factor", "FineTune:WarmupStartFactor", "The warm-up starts at this share of the peak lr (torchvision's --lr-warmup-decay); default: from 1e-6, as VideoMAE"));
        command.Options.Add(Option<double>("--weight-decay", "FineTune:WeightDecay", "Weight decay (decoupled for AdamW, L2 for Adam and SGD), not on biases, norms, tokens, position tables (default 0.05)"));
        command.Options.Add(Option<double>("--layer-decay", "FineTune:LayerDecay", "Per-block learning-rate decay; 1 turns it off (default 0.75)"));
        command.Options.Add(Option<double>("--label-smoothing", "FineTune:LabelSmoothing", "Cross-entropy label smoothing (default 0.1)"));
        command.Options.Add(Option<double>("--clip-grad", "FineTune:ClipGrad", "Clip the gradient norm to this (default off)"));
        command.Options.Add(Option<string>("--precision", "FineTune:Precision", "Weights and activations: float32 (default) or float64 (exactness checks)",
            o => o.AcceptOnlyFromAmong(FineTune.TrainOptions.Precisions)));
        command.Options.Add(Option<bool>("--amp", "FineTune:Amp", "Mixed precision: linear and convolution layers (and attention) run in bfloat16 in the training forward, over float32 weights, gradients and checkpoints (torchvision's and VideoMAE's --amp; fast on GPUs, slow on CPUs without bfloat16 units)"));
        command.Options.Add(Option<string>("--amp-dtype", "FineTune:AmpDtype", "--amp's type: bfloat16 (default) or float16 (with dynamic loss scaling, as torch.cuda.amp's GradScaler)",
            o => o.AcceptOnlyFromAmong(FineTune.TrainOptions.AmpDtypes)));
        command.Options.Add(Option<bool>("--sync-bn", "FineTune:SyncBatchNorm", "Data parallel (mpirun): batch norms use the statistics of every process's samples (SyncBatchNorm); default each process's own"));
        command.Options.Add(Option<int>("--update-freq", "FineTune:UpdateFreq", "Micro-batches accumulated per optimizer step; the lr scales with batch × update-freq (default 1)"));
        command.Options.Add(Option<double>("--mixup", "FineTune:Mixup", "Mixup α; 0 with --cutmix 0 turns mixing off (default 0.8)"));
        command.Options.Add(Option<double>("--cutmix", "FineTune:Cutmix", "Cutmix α (default 1.0)"));
        command.Options.Add(Option<double>("--mixup-prob", "FineTune:MixupProb", "Probability that a batch is mixed (default 1.0)"));
        command.Options.Add(Option<double>("--mixup-switch-prob", "FineTune:MixupSwitchProb", "Probability of cutmix instead of mixup when both are on (default 0.5)"));
        command.Options.Add(Option<int>("--num-sample", "FineTune:RepeatedAugment", "Augmented views of each training video per step (repeated augmentation; default 2)"));
        command.Options.Add(Option<double>("--drop-path", "FineTune:DropPath", "Stochastic depth rate, overriding the preset's"));
        command.Options.Add(Option<string>("--test-weights", "FineTune:TestWeights", "Weights the test scores: last, best (best validation top-1) or ema (the weight average) (default last)"));
        command.Options.Add(Option<double>("--ema-decay", "FineTune:EmaDecay", "Keep an exponential moving average of the weights with this decay, adjusted as torchvision's (its recipes: 0.99998); validated each epoch, saved as checkpoint-ema.pth"));
        command.Options.Add(Option<int>("--ema-steps", "FineTune:EmaSteps", "Batches between updates of the weight average (default 32)"));
    }

    static ConfigOption<T> Option<T>(string name, string key, string description, Action<ConfigOption<T>>? setup = null)
    {
        var o = new ConfigOption<T>(name, key, description).Init();
        setup?.Invoke(o);
        return o;
    }
}

/// <summary>configs/recipes/NAME.json: training recipes as configuration files, each option citing its source.</summary>
public static class Recipes
{
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "configs", "recipes");

    public static IReadOnlyList<string> Known() =>
        Directory.Exists(Folder) ? [.. Directory.EnumerateFiles(Folder, "*.json").Select(f => Path.GetFileNameWithoutExtension(f)!).Order()] : [];

    public static string PathOf(string name)
    {
        var known = Known();
        if (!known.Contains(name)) throw new UserInputException($"unknown recipe '{name}' (known: {string.Join(", ", known)}; configs/recipes)");
        return Path.Combine(Folder, name + ".json");
    }
}
