using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Experiment;

/// <summary>--force replaces a finished run only once the new run's inputs are known to work, for every verb that writes a run folder.</summary>
public class ForceChecksInputsTests
{
    [Theory]
    [InlineData("probe")]
    [InlineData("analyze")]
    public void A_forced_run_with_missing_data_keeps_the_finished_run(string verb)
    {
        var work = Directory.CreateTempSubdirectory("force-inputs-").FullName;
        try
        {
            var outDir = Path.Combine(work, "run");
            Directory.CreateDirectory(outDir);
            // A finished run as these verbs leave it: report.json marks it finished, the rest belongs to it.
            var files = new Dictionary<string, string>
            {
                ["report.json"] = """{"kind":"old"}""", ["settings.json"] = """{"seed":0}""", ["analysis.md"] = "| old |", ["spectrum.png"] = "png",
            };
            foreach (var (name, text) in files) File.WriteAllText(Path.Combine(outDir, name), text);
            var missing = Path.Combine(work, "no-such-cifar");
            var r = CliProcess.Run(verb, "--arch", "resnet32", "--data", $"cifar10:{missing}", "--force", "--threads", "1", "--out", outDir);
            Assert.Equal(1, r.ExitCode);
            Assert.Equal($"videovcreg: {missing}: CIFAR folder not found", r.Stderr.Trim());
            foreach (var (name, text) in files) Assert.Equal(text, File.ReadAllText(Path.Combine(outDir, name)));
        }
        finally { Directory.Delete(work, true); }
    }

    [Theory]
    [InlineData("probe")]
    [InlineData("analyze")]
    public void An_unfinished_training_run_in_the_folder_is_refused_without_force_and_kept(string verb)
    {
        var work = Directory.CreateTempSubdirectory("unfinished-other-").FullName;
        try
        {
            // A killed finetune: its last checkpoint and metrics, no report.json. Probe and analyze would overwrite its settings.
            var outDir = Path.Combine(work, "run");
            var split = Directory.CreateDirectory(Path.Combine(outDir, "split1")).FullName;
            File.WriteAllText(Path.Combine(split, "checkpoint-last.pth"), "weights");
            File.WriteAllText(Path.Combine(split, "metrics.jsonl"), "{}");
            File.WriteAllText(Path.Combine(outDir, "settings.json"), """{"seed":0}""");
            var r = CliProcess.Run(verb, "--arch", "resnet32", "--data", "synthetic", "--threads", "1", "--out", outDir);
            Assert.Equal(1, r.ExitCode);
            Assert.Equal($"videovcreg: {outDir}: holds an unfinished training run (split*/ with checkpoints or metrics) that this verb does not resume; use --force to replace it, or choose another --out", r.Stderr.Trim());
            Assert.Equal("weights", File.ReadAllText(Path.Combine(split, "checkpoint-last.pth")));
            Assert.Equal("""{"seed":0}""", File.ReadAllText(Path.Combine(outDir, "settings.json")));
        }
        finally { Directory.Delete(work, true); }
    }
}
