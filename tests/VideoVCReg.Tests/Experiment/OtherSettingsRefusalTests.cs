using VideoVCReg.Experiment;
using VideoVCReg.FineTune;

namespace VideoVCReg.Tests.Experiment;

/// <summary>
/// An unfinished run with other settings is refused with one message whichever way a command comes into its folder: the
/// whole run, one split as an array task (--fold-task), or the submitter of the array.
/// </summary>
public class OtherSettingsRefusalTests
{
    [Fact]
    public void The_whole_run_an_array_task_and_the_submitter_refuse_other_settings_with_the_same_line()
    {
        var dir = Directory.CreateTempSubdirectory("other-settings-").FullName;
        try
        {
            // An unfinished run of seed 1: settings, and a split with saved weights (so it would resume, not start over).
            var split = Path.Combine(dir, "split1");
            Directory.CreateDirectory(split);
            File.WriteAllText(Path.Combine(split, "checkpoint-last.pth"), "weights");
            File.WriteAllText(Path.Combine(split, "metrics.jsonl"), "{}\n");
            var options = new ExperimentOptions { OutDir = dir, Seed = 5, Train = new TrainOptions { Epochs = 1, WarmupEpochs = 0 } };
            var recorded = new ExperimentRunner(options).SettingsJson(new InMemorySource([3, 4, 32, 32], folds: 1), fold: null);
            File.WriteAllText(Path.Combine(dir, RunSettings.FileName), recorded.Replace("\"seed\":5", "\"seed\":1"));
            var source = new InMemorySource([3, 4, 32, 32], folds: 1);
            ModelFactory never = (_, _) => throw new InvalidOperationException("no model is built before the settings are compared");

            var whole = Assert.Throws<InvalidOperationException>(() => new ExperimentRunner(options).Run(source, never)).Message;
            var task = Assert.Throws<InvalidOperationException>(() => new ExperimentRunner(options with { OnlyFold = 1 }).Run(source, never)).Message;
            var submitter = Assert.Throws<InvalidOperationException>(() => new ExperimentRunner(options).PrepareForTasks(source, never)).Message;
            Assert.Equal($"{dir}: the unfinished run there used other settings (spec.seed: 1 then, 5 now); repeat its options, or --force to start over", whole);
            Assert.Equal(whole, task);
            Assert.Equal(whole, submitter);

            // The flat settings of an older videovcreg (the same run, as it recorded it): one line for what it is, by every way in.
            File.WriteAllText(Path.Combine(dir, RunSettings.FileName), """{"data":"in-memory","seed":5,"split":null,"splits":"1","train":{"Epochs":1}}""");
            var older = Assert.Throws<InvalidOperationException>(() => new ExperimentRunner(options).Run(source, never)).Message;
            Assert.Equal($"{dir}: the unfinished run there was started by an older videovcreg (its settings.json has no settings_version 2), which this version cannot continue; --force to start over, or choose another --out", older);
            Assert.Equal(older, Assert.Throws<InvalidOperationException>(() => new ExperimentRunner(options with { OnlyFold = 1 }).Run(source, never)).Message);
            Assert.Equal(older, Assert.Throws<InvalidOperationException>(() => new ExperimentRunner(options).PrepareForTasks(source, never)).Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
