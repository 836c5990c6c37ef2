using System.Diagnostics;
using System.Text.Json;
using VideoVCReg.Experiment.Sweeps;
using VideoVCReg.Tests.Decoding;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Sweeps;

/// <summary>
/// `sweep`: the grid and its trials' command lines, the choice of the final setting, two workers sharing one folder
/// (each trial run once), a worker killed mid-trial and the trial resumed, the summary, and the Slurm scripts.
/// </summary>
[Collection(SynthDataCollection.Name)]
public class SweepTests(SynthData synth)
{
    /// <summary>A two-block ViT at 4 × 32², no stochastic layers: trials of a second or two.</summary>
    internal const string TinyPreset = """
        { "tiny": { "family": "videomae", "description": "test", "embed_dim": 32, "depth": 2, "num_heads": 2,
                    "frames": 4, "image_size": 32, "num_classes": 400, "drop_path_rate": 0, "head_dropout": 0 } }
        """;

    static SweepPlan Plan() => new("finetune", ["--model", "tiny", "--epochs", "2"],
        [new("--alpha", ["1", "3"]), new("--beta", ["0.1", "0.3", "0.5"]), new("--noise", ["0", "1.5"]), new("--split", ["1", "2"])]);

    [Fact]
    public void The_grid_is_the_product_of_the_axes_first_axis_slowest_and_each_trial_a_finetune_command()
    {
        var plan = Plan();
        var trials = plan.Trials();
        Assert.Equal(2 * 3 * 2 * 2, trials.Count);
        Assert.Equal("--alpha 1 --beta 0.1 --noise 0 --split 1", trials[0].Label);
        Assert.Equal("--alpha 1 --beta 0.1 --noise 0 --split 2", trials[1].Label);
        Assert.Equal("--alpha 1 --beta 0.1 --noise 1.5 --split 1", trials[2].Label);
        Assert.Equal("--alpha 1 --beta 0.3 --noise 0 --split 1", trials[4].Label);
        Assert.Equal("--alpha 3 --beta 0.5 --noise 1.5 --split 2", trials[^1].Label);
        Assert.Equal(trials.Count, trials.Select(t => t.Label).Distinct().Count());
        Assert.Equal(["finetune", "--model", "tiny", "--epochs", "2", "--alpha", "3", "--beta", "0.5", "--noise", "1.5", "--split", "2", "--no-test", "--out", Path.Combine("S", "trial-023")],
            plan.TrialArgs(trials[^1], "S"));
        Assert.Empty(plan.Problems());
        Assert.Contains("sweep: --out is set by the sweep, not among the fixed options", new SweepPlan("finetune", ["--out", "x"], [new("--alpha", ["1"])]).Problems());
        Assert.Contains("--split: '4' is not an official split (1, 2 or 3)", new SweepPlan("finetune", [], [new("--split", ["1", "4"])]).Problems());
        // Against the layout the fixed --data names: Kinetics and list folders have one split, UCF101 three.
        Assert.Equal(["--split: '2' is not a split of kinetics:/k (it has 1)"], new SweepPlan("finetune", ["--data", "kinetics:/k"], [new("--split", ["1", "2"])]).Problems());
        Assert.Equal(["--split: '3' is not a split of list:/l (it has 1)"], new SweepPlan("finetune", ["--data=list:/l"], [new("--split", ["3"])]).Problems());
        Assert.Empty(new SweepPlan("finetune", ["--data", "ucf101:/u"], [new("--split", ["1", "2", "3"])]).Problems());
        Assert.Contains("--beta: 'x' is not a finite number ≥ 0", new SweepPlan("finetune", [], [new("--beta", ["x"])]).Problems());
        Assert.Contains("--alpha: a value is given twice", new SweepPlan("finetune", [], [new("--alpha", ["1", "1"])]).Problems());
    }

    static void FakeTrial(string dir, Trial trial, params double[] validationTop1)
    {
        var split = Path.Combine(dir, trial.Folder, "split1");
        Directory.CreateDirectory(split);
        File.WriteAllLines(Path.Combine(split, "metrics.jsonl"), validationTop1.Select((v, e) => JsonSerializer.Serialize(new { epoch = e, validation = new { top1 = v } })));
        File.WriteAllText(Path.Combine(dir, trial.Folder, "report.json"), "{}");
    }

    [Fact]
    public void The_final_setting_per_noise_is_the_best_mean_over_splits_of_each_trials_best_epoch()
    {
        var dir = Directory.CreateTempSubdirectory("sweep-choice-").FullName;
        try
        {
            var plan = new SweepPlan("finetune", [], [new("--alpha", ["1", "3"]), new("--noise", ["0", "2"]), new("--split", ["1", "2"])]);
            var t = plan.Trials();   // alpha, noise, split
            // noise 0: α 1 scores (0.6 best epoch, 0.2) → 0.4; α 3 scores (0.5, 0.5) → 0.5: α 3 wins on the mean though α 1 has the single best trial.
            FakeTrial(dir, t[0], 0.3, 0.6, 0.1); FakeTrial(dir, t[1], 0.2);
            FakeTrial(dir, t[4], 0.5); FakeTrial(dir, t[5], 0.4, 0.5);
            // noise 2: α 1 → 0.7; α 3 → 0.3.
            FakeTrial(dir, t[2], 0.7); FakeTrial(dir, t[3], 0.7);
            FakeTrial(dir, t[6], 0.3); FakeTrial(dir, t[7], 0.3);
            var worker = new SweepWorker(dir, plan);
            var choices = worker.Choose();
            Assert.Equal(2, choices.Count);
            Assert.Equal("0", choices[0].Condition["--noise"]);
            Assert.Equal("3", choices[0].Tuned["--alpha"]);
            Assert.Equal(0.5, choices[0].MeanValidationTop1, 12);
            Assert.Equal("1", choices[1].Tuned["--alpha"]);
            Assert.Equal(0.7, choices[1].MeanValidationTop1, 12);

            // A failed trial is left out of the choice; an unfinished one blocks it.
            Directory.Delete(Path.Combine(dir, t[1].Folder), true);
            Assert.Throws<InvalidOperationException>(() => worker.Choose());
            Directory.CreateDirectory(Path.Combine(dir, t[1].Folder));
            File.WriteAllText(Path.Combine(dir, t[1].Folder, SweepWorker.FailedFile), "exit code 1: boom");
            Assert.Equal("1", worker.Choose()[0].Tuned["--alpha"]);   // α 1 on split 1 alone: 0.6 > 0.5

            var md = SweepSummary.Write(worker);
            Assert.Contains("| 1 | trial-002 | 1 | 2 | 1 | 70.0 |", md);
            Assert.Contains("| trial-001 | --alpha 1 --noise 0 --split 2 | failed | exit code 1: boom |", md);
            var grid = SweepSummary.Grid(new SweepPlan("finetune", [], [new("--alpha", ["1", "3"]), new("--beta", ["0.1"])]), [.. SweepSummary.Rows(worker).Select(r => r with { Trial = r.Trial with { Values = new Dictionary<string, string>(r.Trial.Values) { ["--beta"] = "0.1" } } })]);
            Assert.Equal((0.6 + 0.7 + 0.7) / 3, grid![0, 0]!.Value, 12);   // α 1: the finished trials' scores, failed one left out
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void A_sweep_with_no_finished_trial_lists_its_failed_and_unfinished_trials()
    {
        var dir = Directory.CreateTempSubdirectory("sweep-none-").FullName;
        try
        {
            var plan = new SweepPlan("finetune", [], [new("--alpha", ["1", "3"]), new("--beta", ["0.1", "0.5"])]);
            var t = plan.Trials();
            foreach (var k in new[] { 0, 2 })
            {
                Directory.CreateDirectory(Path.Combine(dir, t[k].Folder));
                File.WriteAllText(Path.Combine(dir, t[k].Folder, SweepWorker.FailedFile), $"exit code 1: boom {k}\n");
            }
            var worker = new SweepWorker(dir, plan);
            // The summary once failed on the empty heat map ("min must be a real number").
            var md = SweepSummary.Write(worker);
            Assert.Contains("0 of 4 trials finished", md);
            Assert.Contains("| trial-000 | --alpha 1 --beta 0.1 | failed | exit code 1: boom 0 |", md);
            Assert.Contains("| trial-001 | --alpha 1 --beta 0.5 | pending |  |", md);
            Assert.DoesNotContain("| rank |", md);
            Assert.False(File.Exists(Path.Combine(dir, "heatmap.png")));

            // Once nothing is left to run, the final stage's one line names the failed trials instead of sending the user elsewhere.
            foreach (var k in new[] { 1, 3 })
            {
                Directory.CreateDirectory(Path.Combine(dir, t[k].Folder));
                File.WriteAllText(Path.Combine(dir, t[k].Folder, SweepWorker.FailedFile), $"exit code 2: bad {k}\n");
            }
            var e = Assert.Throws<InvalidOperationException>(() => worker.Choose());
            Assert.Equal($"{dir}: no trial finished with a validation score (trial-000 (--alpha 1 --beta 0.1) failed: exit code 1: boom 0; "
                + "trial-001 (--alpha 1 --beta 0.5) failed: exit code 2: bad 1; trial-002 (--alpha 3 --beta 0.1) failed: exit code 1: boom 2; and 1 more)", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    string[] SweepArgs(string presets, string outDir, string epochs = "2") =>
        ["--threads", "1", "sweep", "--alpha", "1,3", "--beta", "0.1,0.5", "--out", outDir, "--presets", presets, "--model", "tiny", "--data", synth.Dir,
         "--epochs", epochs, "--warmup-epochs", "0", "--lr", "0.5", "--batch-size", "2", "--workers", "1", "--test-clips", "1", "--test-crops", "1", "--seed", "4"];

    static Process Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "videovcreg.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    [Fact]
    public async Task Two_workers_run_each_trial_once_and_a_killed_trial_resumes()
    {
        var work = Directory.CreateTempSubdirectory("sweep-run-").FullName;
        try
        {
            var presets = Path.Combine(work, "tiny.json");
            File.WriteAllText(presets, TinyPreset);
            var dir = Path.Combine(work, "sweep");
            // Two workers at once on the same folder.
            using var a = Start(SweepArgs(presets, dir));
            using var b = Start(SweepArgs(presets, dir));
            var outA = a.StandardOutput.ReadToEndAsync(); var errA = a.StandardError.ReadToEndAsync();
            var outB = b.StandardOutput.ReadToEndAsync(); var errB = b.StandardError.ReadToEndAsync();
            await a.WaitForExitAsync(); await b.WaitForExitAsync();
            string all = await outA + await errA + await outB + await errB;
            Assert.True(a.ExitCode == 0 && b.ExitCode == 0, all);
            for (int k = 0; k < 4; k++)
                Assert.Single(System.Text.RegularExpressions.Regex.Matches(all, $"trial {k}/4: "));
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(all, "final: the sweep with"));
            Assert.True(File.Exists(Path.Combine(dir, "final", "run", "report.json")));
            foreach (var k in Enumerable.Range(0, 4))
                Assert.Equal(2, File.ReadAllLines(Path.Combine(dir, $"trial-{k:D3}", "split1", "metrics.jsonl")).Count(l => l.Length > 0));

            // The same grid again: nothing reruns. Another grid into the folder: refused in one line.
            var again = CliProcess.Run(SweepArgs(presets, dir));
            Assert.True(again.ExitCode == 0, again.Stderr);
            Assert.DoesNotContain("trial 0/4", again.Stdout + again.Stderr);
            var other = CliProcess.Run([.. SweepArgs(presets, dir).Select(s => s == "1,3" ? "1,5" : s)]);
            Assert.Equal(1, other.ExitCode);
            Assert.Contains("holds another sweep", other.Stderr);

            var summary = CliProcess.Run("sweep", "--summary", dir);
            Assert.True(summary.ExitCode == 0, summary.Stderr);
            Assert.Contains("4 of 4 trials finished", summary.Stdout);
            Assert.True(new FileInfo(Path.Combine(dir, "heatmap.png")).Length > 1000);

            // kill -9 in the middle of a trial, then a worker again: the trial resumes from its checkpoint.
            var killedDir = Path.Combine(work, "killed");
            // Enough epochs that the kill lands inside the trial even when a loaded machine delays the poll below.
            using (var victim = Start(SweepArgs(presets, killedDir, epochs: "30")))
            {
                var checkpoint = Path.Combine(killedDir, "trial-000", "split1", "checkpoint-last.pth");
                var watch = Stopwatch.StartNew();
                while (!File.Exists(checkpoint) && !victim.HasExited && watch.Elapsed < TimeSpan.FromMinutes(2)) await Task.Delay(20);
                victim.Kill(entireProcessTree: true);
                await victim.WaitForExitAsync();
            }
            Assert.False(File.Exists(Path.Combine(killedDir, "trial-000", "report.json")), "trial 0 finished before the kill: the test proves nothing");
            var resumed = CliProcess.Run(SweepArgs(presets, killedDir, epochs: "30"));
            Assert.True(resumed.ExitCode == 0, resumed.Stderr);
            Assert.Contains("resuming", resumed.Stdout + resumed.Stderr);
            Assert.Equal(30, File.ReadAllLines(Path.Combine(killedDir, "trial-000", "split1", "metrics.jsonl")).Count(l => l.Length > 0));
        }
        finally { Directory.Delete(work, true); }
    }

    /// <summary>
    /// The swept splits are checked against the dataset the trials read, wherever Data:Path comes from: a --config file or
    /// the environment once went unchecked (only a typed --data was seen), and each trial of split 2 failed on its own, later.
    /// </summary>
    [Fact]
    public void Swept_splits_are_checked_against_data_given_by_config_or_environment_before_any_trial()
    {
        var work = Directory.CreateTempSubdirectory("sweep-config-data-").FullName;
        try
        {
            var config = Path.Combine(work, "kinetics.json");
            File.WriteAllText(config, """{ "Data": { "Path": "kinetics:/k" } }""");
            var fromConfig = Path.Combine(work, "c");
            var r = CliProcess.Run("sweep", "--alpha", "1", "--split", "1,2", "--out", fromConfig, "--config", config, "--slurm", "--dry-run");
            Assert.Equal(1, r.ExitCode);
            Assert.Equal("videovcreg: --split: '2' is not a split of kinetics:/k (it has 1)", r.Stderr.Trim());
            Assert.False(File.Exists(Path.Combine(fromConfig, SweepPlan.FileName)));

            var fromEnvironment = Path.Combine(work, "e");
            var e = CliProcess.RunWith(null, new Dictionary<string, string?> { ["VIDEOVCREG_Data__Path"] = "list:/l" },
                "sweep", "--alpha", "1", "--split", "1,3", "--out", fromEnvironment, "--slurm", "--dry-run");
            Assert.Equal(1, e.ExitCode);
            Assert.Equal("videovcreg: --split: '3' is not a split of list:/l (it has 1)", e.Stderr.Trim());
            Assert.False(File.Exists(Path.Combine(fromEnvironment, SweepPlan.FileName)));

            // Data with three splits, from the same file: the sweep is written.
            File.WriteAllText(config, """{ "Data": { "Path": "ucf101:/u" } }""");
            var ucf = Path.Combine(work, "u");
            var ok = CliProcess.Run("sweep", "--alpha", "1", "--split", "1,3", "--out", ucf, "--config", config, "--slurm", "--dry-run");
            Assert.True(ok.ExitCode == 0, ok.Stderr);
            Assert.Equal("ucf101:/u", SweepPlan.Read(ucf).Spec!.Data.Path);
        }
        finally { Directory.Delete(work, true); }
    }

    [Fact]
    public void Slurm_dry_run_writes_an_array_of_trial_tasks_and_a_final_job()
    {
        var work = Directory.CreateTempSubdirectory("sweep-slurm-").FullName;
        try
        {
            var dir = Path.Combine(work, "s");
            var r = CliProcess.Run("sweep", "--alpha", "1,3,5", "--beta", "0.1,0.3", "--split", "1,2", "--model", "videomae-s", "--epochs", "3", "--out", dir,
                "--slurm", "--partition", "gpu", "--gpus-per-task", "1", "--cpus-per-task", "8", "--time", "12:30", "--dry-run");
            Assert.True(r.ExitCode == 0, r.Stderr);
            var array = File.ReadAllText(Path.Combine(dir, "sweep.sbatch"));
            Assert.Contains("#SBATCH --array=0-11", array);
            Assert.Contains("#SBATCH --partition=gpu", array);
            Assert.Contains("#SBATCH --gpus-per-task=1", array);
            Assert.Contains("#SBATCH --cpus-per-task=8", array);
            Assert.Contains("#SBATCH --time=12:30:00", array);
            Assert.Contains("#SBATCH --requeue", array);
            Assert.Contains($"--threads 8 sweep --trial \"$SLURM_ARRAY_TASK_ID\" '{Path.GetFullPath(dir)}'", array);
            Assert.Contains("videovcreg.dll", array);
            Assert.Contains($"sweep --final '{Path.GetFullPath(dir)}'", File.ReadAllText(Path.Combine(dir, "final.sbatch")));
            var plan = SweepPlan.Read(dir);
            Assert.Equal(["--model", "videomae-s", "--epochs", "3"], plan.BaseArgs);
            Assert.False(File.Exists(Path.Combine(dir, "slurm.json")));

            var bad = CliProcess.Run("sweep", "--alpha", "1", "--out", Path.Combine(work, "b"), "--model", "videomae-s", "--slurm", "--time", "soon", "--dry-run");
            Assert.Equal(1, bad.ExitCode);
            Assert.Contains("--time must be HH:MM (got 'soon')", bad.Stderr);
            var typo = CliProcess.Run("sweep", "--alpha", "1", "--out", Path.Combine(work, "c"), "--epoch", "3");
            Assert.Equal(1, typo.ExitCode);
            Assert.Contains("the trials' options:", typo.Stderr);
            Assert.Contains("--epoch", typo.Stderr);
        }
        finally { Directory.Delete(work, true); }
    }

    [Fact]
    public void Finetune_slurm_dry_run_writes_one_task_a_split_and_a_report_job_without_force()
    {
        var work = Directory.CreateTempSubdirectory("finetune-slurm-").FullName;
        try
        {
            var dir = Path.Combine(work, "run");
            var presets = Path.Combine(work, "tiny.json");
            File.WriteAllText(presets, TinyPreset);
            // Global options before the verb change the run (the seed): the jobs' spec holds them; --threads is the job's own.
            var r = CliProcess.Run("--seed", "7", "--threads", "1", "finetune", "--presets", presets, "--model", "tiny", "--data", synth.Dir, "--split", "all",
                "--epochs", "3", "--out", dir, "--force", "true", "--slurm", "--cpus-per-task", "4", "--time", "01:00", "--gpus-per-task", "1", "--dry-run");
            Assert.True(r.ExitCode == 0, r.Stderr);
            var array = File.ReadAllText(Path.Combine(dir, "splits.sbatch"));
            Assert.Contains("#SBATCH --array=1,2,3", array);
            Assert.Contains("#SBATCH --gpus-per-task=1", array);
            Assert.Contains($"#SBATCH --output={Path.Combine(Path.GetFullPath(dir), "logs", "split-%a.out")}", array);
            var task = array.Split('\n').Single(l => l.StartsWith("exec "));
            var specPath = Path.Combine(Path.GetFullPath(dir), "spec.json");
            Assert.EndsWith($"--threads 4 finetune --spec {specPath} --fold-task \"$SLURM_ARRAY_TASK_ID\"", task);
            var report = File.ReadAllText(Path.Combine(dir, "report.sbatch")).Split('\n').Single(l => l.StartsWith("exec "));
            Assert.EndsWith($"--threads 4 finetune --spec {specPath}", report);
            // The jobs run the spec bound here: the seed given before the verb, the epochs after it, and no --force.
            var spec = VideoVCReg.Experiment.Specs.SpecJson.Read(specPath);
            Assert.Equal((7L, 3, false, "tiny"), (spec.Seed, spec.Train.Epochs, spec.Force, spec.Model));
            // The submitter wrote the run's settings once; the tasks only compare them.
            Assert.True(File.Exists(Path.Combine(dir, "settings.json")));
            Assert.DoesNotContain("--force", array + report);
            Assert.False(File.Exists(Path.Combine(dir, "slurm.json")));

            // An array task is one split of the run: another split number is refused in one line.
            var wrong = CliProcess.Run("finetune", "--presets", presets, "--model", "tiny", "--data", synth.Dir, "--split", "1,2", "--out", dir, "--fold-task", "3");
            Assert.Equal(1, wrong.ExitCode);
            Assert.Contains("split 3 is not one of this run's splits (1, 2)", wrong.Stderr);
        }
        finally { Directory.Delete(work, true); }
    }

    [Fact]
    public void A_pretrain_sweep_scores_image_trials_on_a_held_out_share_and_tests_the_best_retrained_on_all()
    {
        var work = Directory.CreateTempSubdirectory("sweep-pretrain-").FullName;
        try
        {
            var dir = Path.Combine(work, "s");
            var r = CliProcess.Run("--threads", "2", "sweep", "--verb", "pretrain", "--alpha", "1,3", "--beta", "0.1", "--out", dir,
                "--arch", "resnet32", "--data", "synthetic", "--imbalance", "10", "--epochs", "1", "--batch-size", "128");
            Assert.True(r.ExitCode == 0, r.Stderr);
            var plan = SweepPlan.Read(dir);
            Assert.Equal("pretrain", plan.Verb);
            Assert.Contains("--val-share", plan.TrialArgs(plan.Trials()[0], dir));
            foreach (var trial in plan.Trials())
            {
                var last = File.ReadAllLines(Path.Combine(dir, trial.Folder, "split1", "metrics.jsonl")).Last(l => l.Length > 0);
                using var epoch = System.Text.Json.JsonDocument.Parse(last);
                // A tenth of the long-tailed training set, stratified: every class validated.
                Assert.InRange(epoch.RootElement.GetProperty("validation").GetProperty("videos").GetDouble(), 16, 400);
                Assert.False(File.Exists(Path.Combine(dir, trial.Folder, "split1", "results.json")) &&
                    File.ReadAllText(Path.Combine(dir, trial.Folder, "split1", "results.json")).Contains("\"test\""), "a trial was tested");
            }
            // The final run: the full training set (no share held out) and the test set.
            var final = File.ReadAllText(Path.Combine(dir, "final", "run", "split1", "results.json"));
            Assert.Contains("\"test\"", final);
            Assert.DoesNotContain("held out", File.ReadAllText(Path.Combine(dir, "final", "run", "settings.json")));
            Assert.Contains("held out", File.ReadAllText(Path.Combine(dir, "trial-000", "settings.json")));
            var summary = CliProcess.Run("sweep", "--summary", dir);
            Assert.Contains("2 of 2 trials finished", summary.Stdout);

            var bad = CliProcess.Run("sweep", "--verb", "pretrain", "--alpha", "1", "--noise", "0,1", "--out", Path.Combine(work, "b"), "--arch", "resnet32");
            Assert.Equal(1, bad.ExitCode);
            Assert.Contains("--noise is a finetune axis", bad.Stderr);
        }
        finally { Directory.Delete(work, true); }
    }
}
