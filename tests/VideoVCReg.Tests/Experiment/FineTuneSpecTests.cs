using System.Text.Json.Nodes;
using VideoVCReg.Cli.Commands;
using VideoVCReg.Experiment.Specs;
using VideoVCReg.Experiment.Sweeps;
using VideoVCReg.Experiment.Video;
using VideoVCReg.FineTune;
using VideoVCReg.Models.Regularization;

namespace VideoVCReg.Tests.Experiment;

/// <summary>
/// The finetune spec: bound from every configuration layer in order (file, environment, command line), checked once with
/// every problem named, written whole to JSON and read back, and copied into sweep trials with exactly the trial's values.
/// </summary>
[Collection(Support.ProcessEnvironmentCollection.Name)]
public class FineTuneSpecTests
{
    [Fact]
    public void A_bound_spec_takes_the_command_line_over_the_environment_over_the_config_file()
    {
        var dir = Directory.CreateTempSubdirectory("spec-layers-").FullName;
        try
        {
            var config = Path.Combine(dir, "c.json");
            File.WriteAllText(config, """{ "FineTune": { "Epochs": 5, "BatchSize": 4, "BaseLr": 0.002 }, "Regularizer": { "Alpha": 2 }, "Data": { "Noise": 0.5 } }""");
            Environment.SetEnvironmentVariable("VIDEOVCREG_FineTune__Epochs", "7");
            Environment.SetEnvironmentVariable("VIDEOVCREG_FineTune__BaseLr", "0.003");
            FineTuneSpec spec;
            try { spec = FineTuneCommand.Bind(["--seed", "9", "finetune", "--config", config, "--epochs", "9", "--model", "tiny", "--out", "o", "--no-test"]); }
            finally
            {
                Environment.SetEnvironmentVariable("VIDEOVCREG_FineTune__Epochs", null);
                Environment.SetEnvironmentVariable("VIDEOVCREG_FineTune__BaseLr", null);
            }
            Assert.Equal(9, spec.Train.Epochs);           // typed, over the environment's 7 and the file's 5
            Assert.Equal(0.003, spec.Train.BaseLr);       // the environment, over the file
            Assert.Equal(4, spec.Train.BatchSize);        // the file, over the default 8
            Assert.Equal(2, spec.Regularizer.Alpha);
            Assert.Equal(0.1, spec.Regularizer.Beta);     // configs/default.json
            Assert.Equal(0.5, spec.Data.Noise);
            Assert.Equal(("tiny", "o", true, 9L), (spec.Model, spec.OutDir, spec.SkipTest, spec.Seed));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Binding_names_every_problem_of_every_section_at_once()
    {
        var e = Assert.Throws<ArgumentException>(() => FineTuneCommand.Bind(["finetune", "--epochs", "0", "--val-share", "1.5", "--alpha", "NaN"]));
        Assert.Equal("FineTune:Epochs (--epochs) must be ≥ 1 (got 0); Data:ValidationShare (--val-share) must be in [0, 1) (got 1.5); "
            + "Regularizer: alpha (NaN) and beta (0.1) must be finite and ≥ 0", e.Message);
    }

    static readonly FineTuneSpec Base = new()
    {
        Model = "tiny", Presets = "p.json", Frames = 4, Seed = 4, OutDir = "S",
        Train = new TrainOptions { Epochs = 2, BatchSize = 2, Amp = true, Precision = "float32", AmpDtype = "float16" },
        Data = new DataOptions { Path = "/data", TestClips = 1, TestCrops = 1 },
        Regularizer = new RegularizerOptions { Alpha = 1, Beta = 0.1 },
    };

    /// <summary>Every leaf of a JSON object by its dotted path.</summary>
    static Dictionary<string, string> Leaves(string json)
    {
        var leaves = new Dictionary<string, string>();
        void Walk(JsonNode? node, string path)
        {
            if (node is JsonObject o) foreach (var (k, v) in o) Walk(v, path.Length == 0 ? k : $"{path}.{k}");
            else leaves[path] = node?.ToJsonString() ?? "null";
        }
        Walk(JsonNode.Parse(json), "");
        return leaves;
    }

    internal static Dictionary<string, string> Changed(string from, string to)
    {
        var (a, b) = (Leaves(from), Leaves(to));
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        return a.Keys.Where(k => a[k] != b[k]).ToDictionary(k => k, k => b[k]);
    }

    [Fact]
    public void Settings_record_the_spec_without_its_run_control_or_computed_values()
    {
        var spec = Base with
        {
            OutDir = "/elsewhere", Force = true, SkipTest = true, OnlyFold = 2, Device = "cpu",
            Data = Base.Data with { Workers = 7 }, Regularizer = Base.Regularizer with { LogStats = true },
        };
        var recorded = SpecJson.ToRecorded(spec)!.AsObject();
        foreach (var key in new[] { "out_dir", "force", "skip_test", "only_fold", "device" }) Assert.False(recorded.ContainsKey(key), key);
        Assert.False(recorded["data"]!.AsObject().ContainsKey("workers"));
        Assert.False(recorded["regularizer"]!.AsObject().ContainsKey("log_stats"));
        // Computed (the peak lr, a label) and per-process (the rank) values are not the user's to set.
        foreach (var key in new[] { "peak_lr", "global_batch", "rank", "ranks", "mixup_settings" }) Assert.False(recorded["train"]!.AsObject().ContainsKey(key), key);
        Assert.False(recorded["regularizer"]!.AsObject().ContainsKey("label"));
        Assert.True(recorded["train"]!["amp"]!.GetValue<bool>());
        // Read back as a spec file, it is the spec with its run control at the defaults: nothing that decides a number is lost.
        var back = System.Text.Json.JsonSerializer.Deserialize<FineTuneSpec>(recorded.ToJsonString(), SpecJson.Options);
        var defaults = new FineTuneSpec();
        Assert.Equal(spec with
        {
            OutDir = defaults.OutDir, Force = false, SkipTest = false, OnlyFold = null, Device = defaults.Device,
            Data = spec.Data with { Workers = defaults.Data.Workers }, Regularizer = spec.Regularizer with { LogStats = false },
        }, back);
    }

    [Fact]
    public void A_video_run_records_its_presets_values_less_prose_and_its_weights_full_path()
    {
        var preset = VideoVCReg.Models.ModelPresets.Get("videomae-s");
        var resolved = VideoVCReg.Experiment.RunInputs.Resolved(preset, Path.Combine("runs", "w.pth"));
        Assert.Equal(Path.Combine(Environment.CurrentDirectory, "runs", "w.pth"), resolved["weights"]);
        // A reworded description in configs/models.json is no other run; every value of the preset still is.
        Assert.Equal(preset with { Description = "" }, resolved["preset"]);
        Assert.NotEqual("", preset.Description);
        Assert.Null(VideoVCReg.Experiment.RunInputs.Resolved(preset, null)["weights"]);
    }

    [Fact]
    public void A_spec_file_gives_back_the_same_spec_run_control_included()
    {
        var json = SpecJson.Write(Base);
        Assert.Contains("\"amp\": true", json);
        Assert.Contains("\"amp_dtype\": \"float16\"", json);
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, json);
            Assert.Equal(Base, SpecJson.Read(path));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_trial_spec_is_the_base_spec_with_exactly_its_values_and_the_final_spec_retrains_on_every_split()
    {
        var plan = new SweepPlan("finetune", ["--model", "tiny"], [new("--alpha", ["1", "3"]), new("--beta", ["0.1", "0.5"]), new("--noise", ["0", "1.5"]), new("--split", ["1", "2"])], Base);
        var trial = plan.Trials()[^1];
        var spec = plan.TrialSpec(trial, "S");
        Assert.Equal(new Dictionary<string, string>
        {
            ["regularizer.alpha"] = "3", ["regularizer.beta"] = "0.5", ["data.noise"] = "1.5", ["data.split"] = "\"2\"",
            ["skip_test"] = "true", ["out_dir"] = $"\"{Path.Combine("S", "trial-015")}\"",
        }, Changed(SpecJson.Write(Base), SpecJson.Write(spec)));

        var final = plan.FinalSpec(new FinalChoice(new Dictionary<string, string> { ["--noise"] = "1.5" }, new Dictionary<string, string> { ["--alpha"] = "3", ["--beta"] = "0.1" }, 0.5, 2), "S", "F");
        Assert.Equal(new Dictionary<string, string>
        {
            ["regularizer.alpha"] = "3", ["data.noise"] = "1.5", ["data.split"] = "\"1,2\"", ["data.validation_share"] = "0", ["out_dir"] = "\"F\"",
        }, Changed(SpecJson.Write(Base), SpecJson.Write(final)));

        // The plan keeps the base spec whole: a sweep folder read back gives the same trials.
        var dir = Directory.CreateTempSubdirectory("spec-plan-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, SweepPlan.FileName), plan.ToJson());
            Assert.Equal(spec, SweepPlan.Read(dir).TrialSpec(trial, "S"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public async Task A_finetune_sweep_written_before_specs_is_refused_in_one_line()
    {
        var dir = Directory.CreateTempSubdirectory("spec-old-sweep-").FullName;
        try
        {
            // What the earlier version wrote: the verb, its fixed options and the axes, no spec.
            File.WriteAllText(Path.Combine(dir, SweepPlan.FileName), """
                { "verb": "finetune", "base_args": ["--model", "tiny", "--epochs", "2"], "axes": [ { "option": "--alpha", "values": ["1", "3"] } ] }
                """);
            string line = $"{dir}: a sweep written by an earlier videovcreg (its sweep.json holds finetune command lines, not a spec); "
                + "start it again with sweep ... --out NEWDIR, or finish it with the version that started it";
            var worker = new SweepWorker(dir, SweepPlan.Read(dir));
            Assert.Equal(line, (await Assert.ThrowsAsync<InvalidDataException>(() => worker.Work(default))).Message);
            Assert.Equal(line, (await Assert.ThrowsAsync<InvalidDataException>(() => worker.RunTrial(0, default))).Message);
            var cli = Support.CliProcess.Run("--threads", "1", "sweep", dir);
            Assert.Equal(1, cli.ExitCode);
            Assert.Equal($"videovcreg: {line}", cli.Stderr.Trim());
            Assert.False(Directory.Exists(Path.Combine(dir, "trial-000")));
        }
        finally { Directory.Delete(dir, true); }
    }
}
