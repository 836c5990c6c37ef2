using System.Text.Json.Nodes;
using VideoVCReg.Cli.Commands;
using VideoVCReg.Experiment.Specs;
using VideoVCReg.Experiment.Sweeps;
using VideoVCReg.FineTune;
using VideoVCReg.Models.Regularization;

namespace VideoVCReg.Tests.Experiment;

/// <summary>
/// The pretrain spec: bound from the recipe, --config and the command line in that order, checked once with every problem
/// named, and copied into sweep trials with exactly the trial's values; a sweep written before it is refused in one line.
/// </summary>
[Collection(Support.ProcessEnvironmentCollection.Name)]   // binding reads VIDEOVCREG_*, which other tests of the collection set
public class PretrainSpecTests
{
    [Fact]
    public void A_bound_spec_takes_the_command_line_over_the_config_file_over_the_recipe_over_the_image_preset()
    {
        var dir = Directory.CreateTempSubdirectory("pretrain-spec-layers-").FullName;
        try
        {
            var config = Path.Combine(dir, "c.json");
            File.WriteAllText(config, """{ "FineTune": { "Epochs": 30, "BatchSize": 64 }, "Regularizer": { "Beta": 0.08 } }""");
            var spec = PretrainCommand.Bind(["--seed", "5", "pretrain", "--arch", "resnet32", "--recipe", "long-tail", "--config", config,
                "--epochs", "20", "--data", "synthetic", "--out", "o", "--no-test"]);
            Assert.Equal(20, spec.Train.Epochs);              // typed, over the file's 30 and the recipe's 100
            Assert.Equal(64, spec.Train.BatchSize);           // the file, over the recipe's 256
            Assert.Equal(0.016, spec.Train.BaseLr);           // the recipe, over the loop's default 1e-3
            Assert.Equal(("adam", 10.0), (spec.Train.Optimizer, spec.Train.WarmupEpochs));
            Assert.Equal(0.64, spec.Regularizer.Alpha);       // the recipe (and the preset)
            Assert.Equal(0.08, spec.Regularizer.Beta);        // the file, over the recipe's 0.04
            Assert.Equal("blocks", spec.Regularizer.Placement);   // the image preset's layer; nothing above sets it
            Assert.Equal(("resnet32", "synthetic", "o", true, 5L, (double?)null), (spec.Arch, spec.Source, spec.OutDir, spec.SkipTest, spec.Seed, spec.ValidationShare));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Binding_names_every_problem_of_a_video_or_an_image_run_at_once()
    {
        var video = Assert.Throws<ArgumentException>(() => PretrainCommand.Bind(["pretrain", "--epochs", "0", "--val-share", "0.5", "--objective", "simclr",
            "--labels", "coarse", "--imbalance", "4", "--classes", "1", "--steps-per-epoch", "0"]));
        Assert.Equal("FineTune:Epochs (--epochs) must be ≥ 1 (got 0); "
            + "--val-share is for image data (--arch) and video datasets; pretraining on synthetic-motion validates on --val-clips rendered videos (got 0.5); "
            + "--objective simclr and --projector are for image backbones (--arch); video pretraining is supervised; "
            + "--labels is for CIFAR-100 image data (--arch); the synthetic motion classes have one label set; "
            + "--imbalance is for image data (--arch); video pretraining renders every class alike; "
            + "--classes must be in [2, 64] (got 1); --steps-per-epoch must be ≥ 1 (got 0)", video.Message);

        var image = Assert.Throws<ArgumentException>(() => PretrainCommand.Bind(["pretrain", "--arch", "resnet32", "--objective", "simclr",
            "--labels", "odd", "--imbalance", "4", "--mixup", "0.5"]));
        Assert.Equal("--labels must be fine or coarse (got 'odd'); "
            + "--imbalance is for supervised pretraining (a self-supervised run does not use the labels); "
            + "--objective simclr has no labels and trains every layer from the start: mixup 0.5 must be off "
            + "(--mixup 0 --cutmix 0 --label-smoothing 0 --num-sample 1 --layer-decay 1; the simclr and vicreg recipes set them so)", image.Message);

        // A video dataset has its own classes: the rendered source's options, typed, are refused by name.
        var dataset = Assert.Throws<ArgumentException>(() => PretrainCommand.Bind(["pretrain", "--data", "hmdb51:/no/such", "--classes", "8", "--val-clips", "4"]));
        Assert.Equal("--classes is for synthetic-motion; --data hmdb51:/no/such has its own classes and videos; "
            + "--val-clips is for synthetic-motion; --data hmdb51:/no/such has its own classes and videos", dataset.Message);
    }

    static readonly PretrainSpec Base = new()
    {
        Arch = "resnet32", Source = "synthetic", Labels = "coarse", Seed = 4, OutDir = "S",
        Train = new TrainOptions { Epochs = 2, BatchSize = 16, Mixup = 0, Cutmix = 0, Amp = true, AmpDtype = "bfloat16" },
        Regularizer = new RegularizerOptions { Alpha = 0.64, Beta = 0.04, Placement = "blocks" },
    };

    [Fact]
    public void A_pretrain_trial_spec_is_the_base_spec_with_exactly_its_values_and_the_final_spec_holds_nothing_out()
    {
        var plan = new SweepPlan("pretrain", ["--arch", "resnet32"], [new("--alpha", ["1", "3"]), new("--beta", ["0.1", "0.5"])], Pretrain: Base);
        var trial = plan.Trials()[^1];
        var spec = plan.PretrainTrialSpec(trial, "S");
        Assert.Equal(new Dictionary<string, string>
        {
            ["regularizer.alpha"] = "3", ["regularizer.beta"] = "0.5", ["validation_share"] = "0.1",
            ["skip_test"] = "true", ["out_dir"] = $"\"{Path.Combine("S", "trial-003")}\"",
        }, FineTuneSpecTests.Changed(SpecJson.Write(Base), SpecJson.Write(spec)));

        var final = plan.PretrainFinalSpec(new FinalChoice(new Dictionary<string, string>(), new Dictionary<string, string> { ["--alpha"] = "1", ["--beta"] = "0.5" }, 0.5, 1), "S", "F");
        Assert.Equal(new Dictionary<string, string>
        {
            ["regularizer.alpha"] = "1", ["regularizer.beta"] = "0.5", ["validation_share"] = "0", ["out_dir"] = "\"F\"",
        }, FineTuneSpecTests.Changed(SpecJson.Write(Base), SpecJson.Write(final)));

        // The plan and a trial's spec.json keep the spec whole: read back, the same trial.
        var dir = Directory.CreateTempSubdirectory("pretrain-spec-plan-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, SweepPlan.FileName), plan.ToJson());
            Assert.Equal(spec, SweepPlan.Read(dir).PretrainTrialSpec(trial, "S"));
            var path = Path.Combine(dir, "spec.json");
            File.WriteAllText(path, SpecJson.Write(spec));
            Assert.Equal(spec, SpecJson.ReadPretrain(path));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public async Task A_pretrain_sweep_written_before_specs_is_refused_in_one_line()
    {
        var dir = Directory.CreateTempSubdirectory("pretrain-spec-old-sweep-").FullName;
        try
        {
            // What the earlier version wrote: the verb, its fixed options and the axes, no spec.
            File.WriteAllText(Path.Combine(dir, SweepPlan.FileName), """
                { "verb": "pretrain", "base_args": ["--arch", "resnet32", "--epochs", "1"], "axes": [ { "option": "--alpha", "values": ["1", "3"] } ] }
                """);
            string line = $"{dir}: a sweep written by an earlier videovcreg (its sweep.json holds pretrain command lines, not a spec); "
                + "start it again with sweep ... --out NEWDIR, or finish it with the version that started it";
            var worker = new SweepWorker(dir, SweepPlan.Read(dir));
            Assert.Equal(line, (await Assert.ThrowsAsync<InvalidDataException>(() => worker.Work(default))).Message);
            Assert.Equal(line, (await Assert.ThrowsAsync<InvalidDataException>(() => worker.RunTrial(1, default))).Message);
            Assert.Equal(line, (await Assert.ThrowsAsync<InvalidDataException>(() => worker.RunFinal(default))).Message);
            var cli = Support.CliProcess.Run("--threads", "1", "sweep", dir);
            Assert.Equal(1, cli.ExitCode);
            Assert.Equal($"videovcreg: {line}", cli.Stderr.Trim());
            Assert.False(Directory.Exists(Path.Combine(dir, "trial-000")));
        }
        finally { Directory.Delete(dir, true); }
    }
}
