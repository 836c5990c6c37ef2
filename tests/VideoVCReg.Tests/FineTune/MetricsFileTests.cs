using VideoVCReg.FineTune;

namespace VideoVCReg.Tests.FineTune;

/// <summary>metrics.jsonl across a run, a resume and a new start; the settings refusal; what a new run clears.</summary>
public class MetricsFileTests
{
    static EpochRecord Epoch(int e, double loss) =>
        new(e, 3, 12, loss, 0.5, 1e-3, 1.0, new Dictionary<string, double>(), new Dictionary<string, double> { ["top1"] = 0.25 }, null);

    [Fact]
    public void Each_epoch_rewrites_the_file_whole_and_a_resume_keeps_only_the_checkpointed_epochs()
    {
        var dir = Directory.CreateTempSubdirectory("metrics-file-").FullName;
        try
        {
            var first = new MetricsFile(dir, write: true);
            first.StartOver();
            Assert.Equal("", File.ReadAllText(first.Path));
            foreach (var (epoch, loss) in new[] { (0, 1.5), (1, 1.25), (2, 1.0) }) first.Append(Epoch(epoch, loss));
            Assert.Equal([1.5, 1.25, 1.0], first.Records.Select(r => r.TrainLoss));
            var lines = File.ReadAllLines(first.Path);
            Assert.Equal(3, lines.Length);
            Assert.StartsWith("{\"epoch\":1,\"steps\":3,\"samples\":12,\"train_loss\":1.25,", lines[1]);

            // The checkpoint saved two epochs: the third line is an epoch whose weights were lost, and it is trained again.
            var resumed = new MetricsFile(dir, write: true);
            resumed.Resume(2);
            Assert.Equal([0, 1], resumed.Records.Select(r => r.Epoch));
            resumed.Append(Epoch(2, 0.75));
            Assert.Equal([1.5, 1.25, 0.75], File.ReadAllLines(first.Path).Select(l => System.Text.Json.JsonSerializer.Deserialize<EpochRecord>(l, Trainer.JsonOptions)!.TrainLoss));

            var e = Assert.Throws<InvalidDataException>(() => new MetricsFile(dir, write: true).Resume(4));
            Assert.Equal($"{first.Path}: 3 epoch(s) recorded, the checkpoint has 4", e.Message);
            File.WriteAllText(first.Path, "not json\n");
            Assert.StartsWith($"{first.Path}: line 1 is not an epoch record (", Assert.Throws<InvalidDataException>(() => new MetricsFile(dir, write: true).Resume(1)).Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void A_file_that_is_not_written_still_keeps_the_records()
    {
        var dir = Directory.CreateTempSubdirectory("metrics-file-").FullName;
        try
        {
            var m = new MetricsFile(dir, write: false);
            m.StartOver();
            m.Append(Epoch(0, 2.0));
            Assert.Single(m.Records);
            Assert.False(File.Exists(m.Path));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void A_resume_under_other_settings_is_refused_naming_what_changed()
    {
        RunSettings.RequireSame("""{"settings_version":2,"spec":{"lr":1}}""", """{"settings_version":2,"spec":{"lr":1}}""", "/runs/a");
        var e = Assert.Throws<InvalidOperationException>(() => RunSettings.RequireSame("""{"settings_version":2,"spec":{"lr":1}}""", """{"settings_version":2,"spec":{"lr":2}}""", "/runs/a"));
        Assert.Equal("/runs/a: the unfinished run there used other settings (spec.lr: 1 then, 2 now); repeat its options, or --force to start over", e.Message);
    }

    [Fact]
    public void A_new_run_empties_the_metrics_and_deletes_the_best_and_average_checkpoints_only()
    {
        var dir = Directory.CreateTempSubdirectory("metrics-file-").FullName;
        try
        {
            foreach (var f in new[] { "metrics.jsonl", "checkpoint-best.pth", "checkpoint-ema.pth", "checkpoint-last.pth" }) File.WriteAllText(Path.Combine(dir, f), "old");
            var start = ResumePoint.StartOver(new MetricsFile(dir, write: true), new EpochCheckpoints(dir, (_, _) => { }, writer: true));
            Assert.Equal(new ResumePoint(0, 0), start);
            Assert.Equal("", File.ReadAllText(Path.Combine(dir, "metrics.jsonl")));
            Assert.Equal(["checkpoint-last.pth", "metrics.jsonl"], Directory.GetFiles(dir).Select(Path.GetFileName).Order());
        }
        finally { Directory.Delete(dir, true); }
    }
}
