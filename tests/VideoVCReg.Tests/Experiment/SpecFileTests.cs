using System.Text.Json.Nodes;
using VideoVCReg.Experiment.Specs;
using VideoVCReg.Tests.Decoding;
using VideoVCReg.Tests.Support;
using VideoVCReg.Tests.Sweeps;

namespace VideoVCReg.Tests.Experiment;

/// <summary>
/// `finetune --slurm` keeps the spec it bound as OUT/spec.json and its jobs run `finetune --spec` on it: a task computes what
/// the plain command line computes, whatever the configuration layers say when it starts, and a spec file is the whole run.
/// </summary>
[Collection(SynthDataCollection.Name)]
public class SpecFileTests(SynthData synth)
{
    [Fact]
    public void A_slurm_task_runs_the_submitted_spec_whatever_its_config_file_and_environment_say_by_then()
    {
        var work = Directory.CreateTempSubdirectory("spec-file-").FullName;
        try
        {
            var presets = Path.Combine(work, "tiny.json");
            File.WriteAllText(presets, SweepTests.TinyPreset);
            var config = Path.Combine(work, "c.json");
            File.WriteAllText(config, """{ "Regularizer": { "Alpha": 3 }, "FineTune": { "Epochs": 2 } }""");
            string[] run = ["--seed", "4", "--config", config, "finetune", "--presets", presets, "--model", "tiny", "--data", synth.Dir, "--split", "1",
                "--warmup-epochs", "0", "--lr", "0.5", "--batch-size", "2", "--workers", "1", "--test-clips", "1", "--test-crops", "1"];
            var plain = Path.Combine(work, "plain");
            var direct = CliProcess.Run(["--threads", "1", .. run, "--out", plain]);
            Assert.True(direct.ExitCode == 0, direct.Stderr);

            var sent = Path.Combine(work, "sent");
            var submit = CliProcess.Run([.. run, "--out", sent, "--slurm", "--cpus-per-task", "1", "--dry-run"]);
            Assert.True(submit.ExitCode == 0, submit.Stderr);
            var specPath = Path.Combine(sent, SpecJson.FileName);
            var task = File.ReadAllText(Path.Combine(sent, "splits.sbatch")).Split('\n').Single(l => l.StartsWith("exec "));
            Assert.EndsWith($"--threads 1 finetune --spec {specPath} --fold-task \"$SLURM_ARRAY_TASK_ID\"", task);
            var report = File.ReadAllText(Path.Combine(sent, "report.sbatch")).Split('\n').Single(l => l.StartsWith("exec "));
            Assert.EndsWith($"--threads 1 finetune --spec {specPath}", report);
            var spec = SpecJson.Read(specPath);
            Assert.Equal((3.0, 2, 4L, Path.GetFullPath(sent), false, (int?)null), (spec.Regularizer.Alpha, spec.Train.Epochs, spec.Seed, spec.OutDir, spec.Force, spec.OnlyFold));

            // While the jobs wait in the queue the config file and the environment change: the task still runs what was sent.
            File.WriteAllText(config, """{ "Regularizer": { "Alpha": 5 }, "FineTune": { "Epochs": 3 } }""");
            var env = new Dictionary<string, string?> { ["VIDEOVCREG_Regularizer__Beta"] = "0.9" };
            // Run control may go beside it and replaces the file's (a node without the GPU the file names): it changes no number.
            var node = JsonNode.Parse(File.ReadAllText(specPath))!.AsObject();
            node["device"] = "cuda";
            File.WriteAllText(specPath, node.ToJsonString());
            Assert.Contains("--device cuda: no CUDA device is available", CliProcess.Run("--threads", "1", "finetune", "--spec", specPath, "--fold-task", "1").Stderr);
            var ran = CliProcess.RunWith(null, env, "--threads", "1", "--device", "cpu", "finetune", "--spec", specPath, "--fold-task", "1", "--workers", "2");
            Assert.True(ran.ExitCode == 0, ran.Stderr);
            var reported = CliProcess.RunWith(null, env, "--threads", "1", "--device", "cpu", "finetune", "--spec", specPath);
            Assert.True(reported.ExitCode == 0, reported.Stderr);
            Assert.Contains("split 1 finished before: its results are kept", reported.Stderr);
            // The same settings, byte for byte, and the same numbers in every epoch as the plain command line's.
            Assert.Equal(File.ReadAllText(Path.Combine(plain, "settings.json")), File.ReadAllText(Path.Combine(sent, "settings.json")));
            var want = File.ReadAllLines(Path.Combine(plain, "split1", "metrics.jsonl")).Where(l => l.Length > 0).Select(SweepSpecTests.Numbers).ToList();
            var got = File.ReadAllLines(Path.Combine(sent, "split1", "metrics.jsonl")).Where(l => l.Length > 0).Select(SweepSpecTests.Numbers).ToList();
            Assert.Equal(2, want.Count);
            Assert.Equal(want, got);
            Assert.True(File.Exists(Path.Combine(sent, "report.json")));
        }
        finally { Directory.Delete(work, true); }
    }

    [Fact]
    public void A_spec_file_is_the_whole_run_and_a_bad_one_is_one_line()
    {
        var work = Directory.CreateTempSubdirectory("spec-file-bad-").FullName;
        try
        {
            var good = Path.Combine(work, "good.json");
            File.WriteAllText(good, SpecJson.Write(new FineTuneSpec { OutDir = Path.Combine(work, "never") }));
            foreach (var (args, option) in new[] { (new[] { "finetune", "--spec", good, "--epochs", "3" }, "--epochs"),
                (["--seed", "2", "finetune", "--spec", good], "--seed"), (["finetune", "--spec", good, "--out", work, "--alpha", "1"], "--out, --alpha") })
            {
                var r = CliProcess.Run(args);
                Assert.Equal(1, r.ExitCode);
                Assert.Equal($"videovcreg: --spec {good} is the whole run: {option} cannot be added to it (edit the file, or leave --spec out)", r.Stderr.Trim());
            }

            // A misspelt key would leave its setting at the default: named instead.
            var misspelt = JsonNode.Parse(SpecJson.Write(new FineTuneSpec()))!.AsObject();
            misspelt["train"]!.AsObject()["epoch"] = 1;
            var bad = Path.Combine(work, "bad.json");
            File.WriteAllText(bad, misspelt.ToJsonString());
            var refused = CliProcess.Run("finetune", "--spec", bad);
            Assert.Equal(1, refused.ExitCode);
            Assert.Single(refused.Stderr.Trim().Split('\n'));
            Assert.StartsWith($"videovcreg: {bad}: not a finetune spec (", refused.Stderr);
            Assert.Contains("'epoch'", refused.Stderr);

            // JSON's null where a value must be (a section, a name) is named in the file, not met later as a crash.
            foreach (var (text, what) in new[] { ("null", "null"), ("""{"train":null}""", "train is null"), ("""{"regularizer":{"kind":null}}""", "regularizer.kind is null") })
            {
                File.WriteAllText(bad, text);
                Assert.Equal($"videovcreg: {bad}: not a finetune spec ({what})", CliProcess.Run("finetune", "--spec", bad).Stderr.Trim());
            }

            var missing = CliProcess.Run("finetune", "--spec", Path.Combine(work, "none.json"));
            Assert.Equal($"videovcreg: {Path.Combine(work, "none.json")}: spec not found", missing.Stderr.Trim());
            var fifo = Path.Combine(work, "fifo");
            using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo])) mkfifo.WaitForExit();
            var pipe = CliProcess.Run("finetune", "--spec", fifo);
            Assert.Equal($"videovcreg: {fifo}: is a FIFO (named pipe), not a spec file", pipe.Stderr.Trim());
            // A spec that cannot run lists its problems as a bound one does.
            var wrong = Path.Combine(work, "wrong.json");
            File.WriteAllText(wrong, SpecJson.Write(new FineTuneSpec { Train = new() { Epochs = 0 } }));
            Assert.Equal("videovcreg: FineTune:Epochs (--epochs) must be ≥ 1 (got 0)", CliProcess.Run("finetune", "--spec", wrong).Stderr.Trim());
            // A seed the loaders cannot take (they draw from 32 bits) is refused, typed or in a file, not cut.
            File.WriteAllText(wrong, SpecJson.Write(new FineTuneSpec { Seed = 4294967297 }));
            const string seedLine = "videovcreg: Runtime:Seed (--seed) must fit in 32 bits, [-2147483648, 2147483647] (got 4294967297)";
            Assert.Equal(seedLine, CliProcess.Run("finetune", "--spec", wrong).Stderr.Trim());
            Assert.Equal(seedLine, CliProcess.Run("--seed", "4294967297", "finetune", "--out", Path.Combine(work, "never")).Stderr.Trim());
            Assert.False(Directory.Exists(Path.Combine(work, "never")));
        }
        finally { Directory.Delete(work, true); }
    }
}
