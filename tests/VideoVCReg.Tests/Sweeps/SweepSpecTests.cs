using System.Text.Json.Nodes;
using VideoVCReg.Experiment.Specs;
using VideoVCReg.Experiment.Sweeps;
using VideoVCReg.Tests.Decoding;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Sweeps;

/// <summary>A finetune sweep's trial is a spec run in the sweep's process: it computes what `finetune` with the same options computes.</summary>
[Collection(SynthDataCollection.Name)]
public class SweepSpecTests(SynthData synth)
{
    /// <summary>An epoch's line without what depends on the clock or the folder (seconds, loader waits, checkpoint paths).</summary>
    internal static string Numbers(string line)
    {
        var node = JsonNode.Parse(line)!.AsObject();
        foreach (var key in node.Select(kv => kv.Key).Where(k => k.Contains("second", StringComparison.OrdinalIgnoreCase)
                     || k.Contains("wait", StringComparison.OrdinalIgnoreCase) || k.Contains("checkpoint", StringComparison.OrdinalIgnoreCase)).ToList())
            node.Remove(key);
        return node.ToJsonString();
    }

    [Fact]
    public void A_trial_run_in_the_sweeps_process_equals_a_plain_finetune_with_its_options()
    {
        var work = Directory.CreateTempSubdirectory("sweep-spec-").FullName;
        try
        {
            var presets = Path.Combine(work, "tiny.json");
            File.WriteAllText(presets, SweepTests.TinyPreset);
            string[] fixedArgs = ["--presets", presets, "--model", "tiny", "--data", synth.Dir, "--epochs", "2", "--warmup-epochs", "0", "--lr", "0.5",
                "--batch-size", "2", "--workers", "1", "--test-clips", "1", "--test-crops", "1", "--seed", "4"];
            var dir = Path.Combine(work, "sweep");
            var sweep = CliProcess.Run(["--threads", "1", "sweep", "--alpha", "3", "--beta", "0.3", "--out", dir, .. fixedArgs]);
            Assert.True(sweep.ExitCode == 0, sweep.Stderr);
            var plain = Path.Combine(work, "plain");
            var finetune = CliProcess.Run(["--threads", "1", "finetune", .. fixedArgs, "--alpha", "3", "--beta", "0.3", "--no-test", "--out", plain]);
            Assert.True(finetune.ExitCode == 0, finetune.Stderr);

            var trial = Path.Combine(dir, "trial-000");
            var spec = SpecJson.Read(Path.Combine(trial, SweepWorker.SpecFile));
            Assert.Equal((3.0, 0.3, true, 4L, 2), (spec.Regularizer.Alpha, spec.Regularizer.Beta, spec.SkipTest, spec.Seed, spec.Train.Epochs));
            // The same settings file, byte for byte, and the same numbers in every epoch.
            Assert.Equal(File.ReadAllText(Path.Combine(plain, "settings.json")), File.ReadAllText(Path.Combine(trial, "settings.json")));
            var want = File.ReadAllLines(Path.Combine(plain, "split1", "metrics.jsonl")).Where(l => l.Length > 0).Select(Numbers).ToList();
            var got = File.ReadAllLines(Path.Combine(trial, "split1", "metrics.jsonl")).Where(l => l.Length > 0).Select(Numbers).ToList();
            Assert.Equal(2, want.Count);
            Assert.Equal(want, got);
            // The final stage is a spec too: the chosen values, no validation share, tested.
            var final = SpecJson.Read(Path.Combine(dir, "final", "run", SweepWorker.SpecFile));
            Assert.Equal((3.0, 0.0, false), (final.Regularizer.Alpha, final.Data.ValidationShare, final.SkipTest));
            Assert.True(File.Exists(Path.Combine(dir, "final", "run", "report.json")));

            // A hand-edited plan whose spec lost a section is named when read, not when a trial trips over it.
            var edited = Directory.CreateDirectory(Path.Combine(work, "edited")).FullName;
            var plan = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, SweepPlan.FileName)))!.AsObject();
            plan["spec"]!.AsObject()["train"] = null;
            File.WriteAllText(Path.Combine(edited, SweepPlan.FileName), plan.ToJsonString());
            var e = Assert.Throws<InvalidDataException>(() => SweepPlan.Read(edited));
            Assert.Contains("spec.train missing or null", e.Message);
            Assert.Contains(Path.Combine(edited, SweepPlan.FileName), e.Message);
            plan["spec"]!.AsObject()["train"] = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, SweepPlan.FileName)))!["spec"]!["train"]!.DeepClone();
            plan["axes"]![0]!.AsObject()["values"] = null;
            plan["base_args"] = null;
            File.WriteAllText(Path.Combine(edited, SweepPlan.FileName), plan.ToJsonString());
            Assert.Contains(": base_args, axes[0] missing or null", Assert.Throws<InvalidDataException>(() => SweepPlan.Read(edited)).Message);
        }
        finally { Directory.Delete(work, true); }
    }
}
