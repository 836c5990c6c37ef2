using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Foundation;

public class CliContractTests
{
    [Fact]
    public void Help_lists_every_verb_and_exits_zero()
    {
        var r = CliProcess.Run("--help");
        Assert.Equal(0, r.ExitCode);
        foreach (var verb in VideoVCReg.Cli.CliApp.BuildRoot().Subcommands.Where(v => !v.Hidden)) // docs-cli is for maintainers
            Assert.Contains(verb.Name, r.Stdout);
    }

    [Fact]
    public void Every_verb_has_help()
    {
        foreach (var verb in VideoVCReg.Cli.CliApp.BuildRoot().Subcommands.Where(v => !v.Hidden)) // System.CommandLine prints no help for a hidden verb
        {
            var r = CliProcess.Run(verb.Name, "--help");
            Assert.Equal(0, r.ExitCode);
            Assert.Contains($"videovcreg {verb.Name}", r.Stdout);
        }
    }

    /// <summary>
    /// The main job is the user's `finetune --model videomae-s --noise 1.5` over all splits, started from the
    /// weights its own pretraining step writes; every step must parse, or `./videovcreg` breaks only at run time.
    /// </summary>
    [Fact]
    public void The_main_job_pretrains_then_finetunes_videomae_s_with_noise_over_all_splits_from_those_weights()
    {
        var steps = VideoVCReg.Cli.CliApp.MainJob;
        Assert.Equal(["pretrain", "finetune"], steps.Select(s => s[0]));
        foreach (var step in steps) Assert.Empty(VideoVCReg.Cli.CliApp.BuildRoot().Parse(step).Errors);
        string Value(string[] step, string option) => step[Array.IndexOf(step, option) + 1];
        var (pre, fine) = (steps[0], steps[1]);
        Assert.Equal("videomae-s", Value(fine, "--model"));
        Assert.Equal("1.5", Value(fine, "--noise"));
        Assert.Equal("all", Value(fine, "--split"));
        Assert.Equal($"{Value(pre, "--out")}/split1/checkpoint-last.pth", Value(fine, "--weights"));
        Assert.Contains("--reuse", pre);                                     // the pretrained weights are a cache
        Assert.DoesNotContain("--data", fine);                               // the embedded synthetic data
        // Both steps see the same clips: frames, size, sampling and the synthetic data's scene cue.
        foreach (var option in new[] { "--model", "--frames", "--size", "--sampling-rate", "--scene-colour-jitter" })
            Assert.Equal(Value(pre, option), Value(fine, option));
    }

    [Theory]
    [InlineData("no-such-verb")]
    [InlineData("info", "--no-such-option")]
    [InlineData("--device", "tpu", "info")]
    public void Bad_invocations_exit_nonzero_with_one_line(params string[] args)
    {
        var r = CliProcess.Run(args);
        Assert.NotEqual(0, r.ExitCode);
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("videovcreg: ", lines[0]);
    }

    /// <summary>Values that used to be taken silently, or with a misleading message (issue 10, part 8).</summary>
    [Theory]
    [InlineData("Runtime:Threads (--threads) must be ≥ 0", "info", "--threads", "-5")]
    [InlineData("FineTune:BaseLr (--lr) must be a finite number > 0 (got Infinity)", "finetune", "--lr", "Infinity", "--out", "/nonexistent-never-created/x")]
    [InlineData("--num-classes must be ≥ 1 (got 0)", "predict", "--model", "videomae-s", "--clip", "/tmp/x.npy", "--num-classes", "0")]
    [InlineData("/tmp: is a directory, not a checkpoint file", "inspect", "/tmp")]
    public void Absurd_values_are_refused_with_the_reason(string reason, params string[] args)
    {
        var r = CliProcess.Run(args);
        Assert.Equal(1, r.ExitCode);
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(reason, lines[0]);
    }

    [Fact]
    public void Info_computes_on_the_automatic_device()
    {
        var r = CliProcess.Run("info", "--device", "auto");
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"libtorch\s+2\.10", r.Stdout);
        Assert.Matches(@"matmul .*\d+\.\d GFLOP/s", r.Stdout);
    }

    [Fact]
    public void Config_file_that_does_not_exist_is_a_one_line_error()
    {
        var r = CliProcess.Run("info", "--config", "/nonexistent/x.json");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("/nonexistent/x.json", r.Stderr);
    }
}

public class SeedTests
{
    [Fact]
    public void Seed_makes_random_weight_predictions_reproducible()
    {
        var clip = Path.Combine(AppContext.BaseDirectory, "fixtures", "models");
        var npy = Path.Combine(clip, "clip0.npy");
        string Logits(string seed)
        {
            var r = Support.CliProcess.Run("predict", "--model", "videomae-s", "--clip", npy, "--frames", "4", "--size", "16", "--num-classes", "3", "--json", "--seed", seed);
            Assert.True(r.ExitCode == 0, r.Stderr);
            return System.Text.Json.JsonDocument.Parse(r.Stdout).RootElement.GetProperty("logits").GetRawText();
        }
        Assert.Equal(Logits("7"), Logits("7"));
        Assert.NotEqual(Logits("7"), Logits("8"));
    }
}
