using VideoVCReg.Experiment.Specs;
using VideoVCReg.Experiment.Sweeps;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Sweeps;

/// <summary>An image pretrain sweep's trial is a spec run in the sweep's process: it computes what `pretrain` with the same options computes.</summary>
public class PretrainSweepSpecTests
{
    [Fact]
    public void A_pretrain_trial_run_in_the_sweeps_process_equals_a_plain_pretrain_with_its_options()
    {
        var work = Directory.CreateTempSubdirectory("sweep-pretrain-spec-").FullName;
        try
        {
            var data = Path.Combine(work, "data");
            var synth = CliProcess.Run("data", "synth-images", "--out", data, "--train-per-class", "20", "--test-per-class", "5");
            Assert.True(synth.ExitCode == 0, synth.Stderr);
            string[] fixedArgs = ["--arch", "resnet32", "--data", $"cifar100:{Path.Combine(data, "source")}", "--labels", "coarse", "--epochs", "2",
                "--warmup-epochs", "0", "--batch-size", "16", "--lr", "0.5", "--seed", "3"];
            var dir = Path.Combine(work, "sweep");
            var sweep = CliProcess.Run(["--threads", "1", "sweep", "--alpha", "0.5", "--beta", "0.2", "--out", dir, .. fixedArgs]);
            Assert.True(sweep.ExitCode == 0, sweep.Stderr);
            var plain = Path.Combine(work, "plain");
            var pretrain = CliProcess.Run(["--threads", "1", "pretrain", .. fixedArgs, "--alpha", "0.5", "--beta", "0.2", "--val-share", "0.1", "--no-test", "--out", plain]);
            Assert.True(pretrain.ExitCode == 0, pretrain.Stderr);

            var trial = Path.Combine(dir, "trial-000");
            // In-process: the sweep wrote the trial's spec beside its run, and no second `videovcreg` command line ran it.
            var spec = SpecJson.ReadPretrain(Path.Combine(trial, SweepWorker.SpecFile));
            Assert.Equal((0.5, 0.2, 0.1, true, 3L, "coarse"), (spec.Regularizer.Alpha, spec.Regularizer.Beta, spec.ValidationShare, spec.SkipTest, spec.Seed, spec.Labels));
            Assert.Equal(File.ReadAllText(Path.Combine(plain, "settings.json")), File.ReadAllText(Path.Combine(trial, "settings.json")));
            var want = File.ReadAllLines(Path.Combine(plain, "split1", "metrics.jsonl")).Where(l => l.Length > 0).Select(SweepSpecTests.Numbers).ToList();
            var got = File.ReadAllLines(Path.Combine(trial, "split1", "metrics.jsonl")).Where(l => l.Length > 0).Select(SweepSpecTests.Numbers).ToList();
            Assert.Equal(2, want.Count);
            Assert.Contains("\"validation\"", want[0]);
            Assert.Equal(want, got);
            // The final run is a spec too: the chosen values, nothing held out, tested.
            var final = SpecJson.ReadPretrain(Path.Combine(dir, "final", "run", SweepWorker.SpecFile));
            Assert.Equal((0.5, 0.0, false), (final.Regularizer.Alpha, final.ValidationShare, final.SkipTest));
            Assert.Contains("\"test\"", File.ReadAllText(Path.Combine(dir, "final", "run", "split1", "results.json")));
        }
        finally { Directory.Delete(work, true); }
    }
}
