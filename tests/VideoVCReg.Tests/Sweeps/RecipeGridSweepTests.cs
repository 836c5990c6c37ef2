using VideoVCReg.Experiment.Sweeps;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Sweeps;

/// <summary>
/// `sweep --recipe R` and `sweep --config F` run the file's Grid (the paper's α × β search, appendix A, C.1, C.2, C.4):
/// lists typed on the command line win, a --config's grid over a recipe's, and a recipe without one is one line.
/// Written as Slurm dry runs, which make the plan and check the trials' command line without running them.
/// </summary>
public sealed class RecipeGridSweepTests : IDisposable
{
    readonly string work = Directory.CreateTempSubdirectory("sweep-grid-").FullName;

    public void Dispose() => Directory.Delete(work, true);

    CliProcess.Result DryRun(string name, params string[] args) =>
        CliProcess.Run(["sweep", "--verb", "pretrain", "--arch", "resnet32", "--data", "synthetic", .. args, "--out", Path.Combine(work, name), "--slurm", "--dry-run"]);

    static IEnumerable<(string Option, IReadOnlyList<string> Values)> Axes(SweepPlan plan) => plan.Axes.Select(a => (a.Option, a.Values));

    [Fact]
    public void A_recipe_grid_becomes_the_alpha_beta_axes_of_validation_scored_trials()
    {
        var r = DryRun("lt", "--recipe", "long-tail");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("20 trials (4 alpha × 5 beta)", r.Stdout);
        var plan = SweepPlan.Read(Path.Combine(work, "lt"));
        Assert.Equal([("--alpha", (IReadOnlyList<string>)["1.28", "0.64", "0.32", "0.16"]), ("--beta", ["0.16", "0.08", "0.04", "0.02", "0.01"])], Axes(plan));
        var trial = plan.TrialArgs(plan.Trials()[7], "D");   // first axis slowest: α index 1, β index 2
        Assert.Equal(["pretrain", "--arch", "resnet32", "--data", "synthetic", "--recipe", "long-tail", "--alpha", "0.64", "--beta", "0.04",
            "--val-share", "0.1", "--no-test", "--out", Path.Combine("D", "trial-007")], trial);
    }

    [Fact]
    public void Trials_of_an_image_arch_or_recipe_pretrain_without_a_typed_verb()
    {
        foreach (var (name, args) in new[] { ("arch", new[] { "--arch", "resnet32", "--data", "synthetic" }), ("recipe", ["--recipe", "long-tail", "--arch", "resnet32"]) })
        {
            var r = CliProcess.Run(["sweep", .. args, "--alpha", "1", "--beta", "0.1", "--out", Path.Combine(work, name), "--slurm", "--dry-run"]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            var plan = SweepPlan.Read(Path.Combine(work, name));
            Assert.Equal("pretrain", plan.TrialArgs(plan.Trials()[0], "D")[0]);
        }
        var video = CliProcess.Run("sweep", "--alpha", "1", "--beta", "0.1", "--out", Path.Combine(work, "video"), "--slurm", "--dry-run");
        Assert.True(video.ExitCode == 0, video.Stderr);
        var videoPlan = SweepPlan.Read(Path.Combine(work, "video"));
        Assert.Equal("finetune", videoPlan.TrialArgs(videoPlan.Trials()[0], "D")[0]);
    }

    [Fact]
    public void Typed_lists_win_over_the_grid_and_a_config_grid_over_the_recipes()
    {
        var typed = DryRun("typed", "--recipe", "convnext-atto", "--alpha", "0.5,0.25");
        Assert.True(typed.ExitCode == 0, typed.Stderr);
        Assert.Equal([("--alpha", (IReadOnlyList<string>)["0.5", "0.25"]), ("--beta", ["0.16", "0.08", "0.04", "0.02", "0.01"])], Axes(SweepPlan.Read(Path.Combine(work, "typed"))));

        var config = Path.Combine(work, "grid.json");
        File.WriteAllText(config, """{ "Grid": { "Regularizer:Alpha": [2, 4] } }""");
        var layered = DryRun("layered", "--recipe", "long-tail", "--config", config);
        Assert.True(layered.ExitCode == 0, layered.Stderr);
        Assert.Equal([("--alpha", (IReadOnlyList<string>)["2", "4"]), ("--beta", ["0.16", "0.08", "0.04", "0.02", "0.01"])], Axes(SweepPlan.Read(Path.Combine(work, "layered"))));
    }

    [Fact]
    public void A_recipe_without_a_grid_or_a_grid_of_another_setting_is_one_line()
    {
        var ssl = DryRun("ssl", "--objective", "simclr", "--recipe", "simclr");
        Assert.Equal(1, ssl.ExitCode);
        Assert.Contains("sweep --recipe simclr: configs/recipes/simclr.json has no Grid section to sweep; give --alpha and --beta lists", ssl.Stderr);
        Assert.False(File.Exists(Path.Combine(work, "ssl", SweepPlan.FileName)));

        var config = Path.Combine(work, "lr.json");
        File.WriteAllText(config, """{ "Grid": { "FineTune:BaseLr": [0.1, 0.2] } }""");
        var other = DryRun("lr", "--config", config);
        Assert.Equal(1, other.ExitCode);
        Assert.Contains("Grid key 'FineTune:BaseLr' is not one a sweep varies (Regularizer:Alpha, Regularizer:Beta)", other.Stderr);
    }
}
