using VideoVCReg.Decoding.Synthetic;
using VideoVCReg.Models.Checkpoints;
using VideoVCReg.Tests.Support;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Distributed;

/// <summary>
/// `mpirun -np 2 videovcreg finetune --batch-size 4` against one process at `--batch-size 8` on the same samples (3 optimizer
/// steps, drop path 0, no mixup): the final parameters agree to 1e-10 in float64 (AdamW, the default recipe) and to 1e-5 in
/// float32. The float32 check uses SGD: AdamW divides each gradient entry by its running size, so entries whose true gradient
/// is near zero (the bias after the head's VCReg: Σ x_c = 0) turn float32 rounding into lr-sized steps either way (measured:
/// 4e-4 apart with AdamW, 4e-9 with SGD), which says nothing about the data-parallel arithmetic. Each comparison has a
/// control that must differ, so a test that compared a run with itself, or ignored --vcreg-sync, would fail.
/// </summary>
public class DataParallelTests : IClassFixture<DataParallelTests.Dataset>
{
    public sealed class Dataset : IDisposable
    {
        public string Dir { get; } = Directory.CreateTempSubdirectory("videovcreg-ddp-data-").FullName;
        public Dataset() => SyntheticDataset.Write(Dir, new SynthOptions(4, 10, Seed: 3, Mp4Every: 5));
        public void Dispose() => Directory.Delete(Dir, recursive: true);
    }

    readonly string data;
    readonly string work = Directory.CreateTempSubdirectory("videovcreg-ddp-").FullName;
    readonly string presets;

    public DataParallelTests(Dataset dataset)
    {
        data = dataset.Dir;
        presets = Path.Combine(work, "tiny.json");
        File.WriteAllText(presets, Sweeps.SweepTests.TinyPreset);
    }

    /// <summary>The run's command line; options in <paramref name="reg"/> (the regularizer, or --epochs) come last and replace these.</summary>
    string[] Args(string name, int batch, string precision, string optimizer, params string[] reg) =>
        ["finetune", "--presets", presets, "--model", "tiny", "--data", data, "--split", "1", .. reg.Contains("--epochs") ? Array.Empty<string>() : ["--epochs", "1"], "--warmup-epochs", "0",
         "--lr", "0.5", "--workers", "1", "--test-clips", "2", "--test-crops", "1", "--seed", "4", "--mixup", "0", "--cutmix", "0",
         "--threads", "1", "--val-share", "0", "--precision", precision, "--optimizer", optimizer, "--batch-size", batch.ToString(),
         "--out", Path.Combine(work, name), .. reg];

    Dictionary<string, Tensor> One(string name, string precision, string optimizer, params string[] reg)
    {
        var r = CliProcess.Run(Args(name, 8, precision, optimizer, reg));
        Assert.True(r.ExitCode == 0, r.Stderr);
        return CheckpointFile.Read(Path.Combine(work, name, "split1", "checkpoint-last.pth"));
    }

    Dictionary<string, Tensor> Two(string name, string precision, string optimizer, params string[] reg)
    {
        var r = MpiRun.Run(2, Args(name, 4, precision, optimizer, reg));
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        return CheckpointFile.Read(Path.Combine(work, name, "split1", "checkpoint-last.pth"));
    }

    /// <summary>results.json's per-video predictions (id, label, predicted, views, confidence), with the test's own checks.</summary>
    static List<(string Id, int Label, int Predicted, int Views, double Confidence)> Predictions(string run)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "split1", "results.json")));
        var test = doc.RootElement.GetProperty("test");
        var list = doc.RootElement.GetProperty("predictions").EnumerateArray().Select(p => (p.GetProperty("video_id").GetString()!,
            p.GetProperty("label").GetInt32(), p.GetProperty("predicted").GetInt32(), p.GetProperty("views").GetInt32(), p.GetProperty("confidence").GetDouble())).ToList();
        Assert.Equal(test.GetProperty("videos").GetInt32(), list.Count);
        Assert.Equal(list.Count, list.Select(p => p.Item1).Distinct().Count());
        return list;
    }

    static double MaxDiff(Dictionary<string, Tensor> a, Dictionary<string, Tensor> b)
    {
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        return a.Where(kv => kv.Value.is_floating_point()).Max(kv => (kv.Value.to_type(ScalarType.Float64) - b[kv.Key].to_type(ScalarType.Float64)).abs().max().item<double>());
    }

    [Theory]
    [InlineData("float64", "adamw", 1e-10)]
    [InlineData("float32", "sgd", 1e-5)]
    public void Two_processes_at_batch_4_train_the_parameters_of_one_process_at_batch_8(string precision, string optimizer, double tolerance)
    {
        string[] vcreg = ["--reg", "vcreg", "--alpha", "3", "--beta", "0.5"];
        // No regularizer: DDP's gradient average is the whole batch's gradient.
        var oneNone = One("one-none", precision, optimizer, "--reg", "none");
        var twoNone = Two("two-none", precision, optimizer, "--reg", "none");
        Assert.True(MaxDiff(oneNone, twoNone) <= tolerance, $"--reg none: {MaxDiff(oneNone, twoNone):E2}");
        // The multi-view test is gathered: each rank scores its own videos, rank 0 writes every video once.
        var (onePredictions, twoPredictions) = (Predictions(Path.Combine(work, "one-none")), Predictions(Path.Combine(work, "two-none")));
        Assert.Equal(onePredictions.Select(p => (p.Id, p.Label, p.Predicted, p.Views)), twoPredictions.Select(p => (p.Id, p.Label, p.Predicted, p.Views)));
        Assert.All(onePredictions.Zip(twoPredictions), p => Assert.Equal(p.First.Confidence, p.Second.Confidence, tolerance));
        Assert.All(twoPredictions, p => Assert.Equal(2, p.Views));

        // --vcreg-sync: the fast VCReg's statistics of the whole global batch, as one process computes them.
        var oneWhole = One("one-whole", precision, optimizer, vcreg);
        var twoSync = Two("two-sync", precision, optimizer, [.. vcreg, "--vcreg-sync"]);
        Assert.True(MaxDiff(oneWhole, twoSync) <= tolerance, $"--vcreg-sync: {MaxDiff(oneWhole, twoSync):E2}");
        Assert.True(MaxDiff(oneWhole, oneNone) > 1e-4, "VCReg changed nothing");

        // Per rank (the default): each rank's own statistics, which one process reproduces with --vcreg-groups 2.
        var oneGroups = One("one-groups", precision, optimizer, [.. vcreg, "--vcreg-groups", "2"]);
        var twoPerRank = Two("two-per-rank", precision, optimizer, vcreg);
        Assert.True(MaxDiff(oneGroups, twoPerRank) <= tolerance, $"per-rank statistics: {MaxDiff(oneGroups, twoPerRank):E2}");
        Assert.True(MaxDiff(twoPerRank, twoSync) > 1e-4, "per-rank and global statistics gave the same weights");
    }

    /// <summary>
    /// A real preset's defaults (videomae-s: two views per video, RandAugment, random erasing, label smoothing 0.1, layer decay 0.75,
    /// warm-up), each run writing its own synthetic data under --out as the main job does. Only what is drawn per process batch
    /// by design is off: mixup and cutmix pair samples inside a process's batch, and drop path draws from the process's generator,
    /// in VideoMAE as here. Mpirun binds each rank to a core, and the synthetic videos once followed the encoder's core count.
    /// </summary>
    [Fact]
    public void At_the_videomae_s_presets_defaults_two_processes_at_batch_4_train_what_one_process_at_batch_8_does()
    {
        string[] Args(string name, int batch) => ["finetune", "--model", "videomae-s", "--frames", "4", "--size", "32", "--precision", "float64",
            "--drop-path", "0", "--reg", "none", "--mixup", "0", "--cutmix", "0", "--val-share", "0", "--epochs", "1", "--no-test", "--seed", "4",
            "--threads", "1", "--batch-size", batch.ToString(), "--out", Path.Combine(work, name)];
        var one = CliProcess.Run(Args("preset-one", 8));
        Assert.True(one.ExitCode == 0, one.Stderr);
        var two = MpiRun.Run(2, Args("preset-two", 4));
        Assert.True(two.ExitCode == 0, two.Stdout + two.Stderr);
        var (a, b) = (CheckpointFile.Read(Path.Combine(work, "preset-one", "split1", "checkpoint-last.pth")),
            CheckpointFile.Read(Path.Combine(work, "preset-two", "split1", "checkpoint-last.pth")));
        Assert.True(MaxDiff(a, b) <= 1e-10, $"videomae-s defaults: {MaxDiff(a, b):E2}");
    }

    /// <summary>
    /// The naive VCReg's statistics follow --vcreg-sync (the gathered global batch) and --vcreg-groups as the fast backward's do,
    /// under both scalings and at the head and every block: the two train the same weights.
    /// </summary>
    [Theory]
    [InlineData("paper")]
    [InlineData("loss")]
    public void Naive_and_fast_vcreg_train_the_same_weights_with_synced_and_grouped_statistics(string scaling)
    {
        string[] Reg(string kind) => ["--reg", kind, "--alpha", "3", "--beta", "0.5", "--vcreg-scaling", scaling, "--placement", "head+blocks"];
        var fastSync = Two($"fast-sync-{scaling}", "float64", "adamw", [.. Reg("vcreg"), "--vcreg-sync"]);
        var naiveSync = Two($"naive-sync-{scaling}", "float64", "adamw", [.. Reg("vcreg-naive"), "--vcreg-sync"]);
        Assert.True(MaxDiff(fastSync, naiveSync) <= 1e-10, $"--vcreg-sync: {MaxDiff(fastSync, naiveSync):E2}");
        var fastGroups = One($"fast-groups-{scaling}", "float64", "adamw", [.. Reg("vcreg"), "--vcreg-groups", "2"]);
        var naiveGroups = One($"naive-groups-{scaling}", "float64", "adamw", [.. Reg("vcreg-naive"), "--vcreg-groups", "2"]);
        Assert.True(MaxDiff(fastGroups, naiveGroups) <= 1e-10, $"--vcreg-groups: {MaxDiff(fastGroups, naiveGroups):E2}");
        // Grouped and synced statistics differ, so neither comparison could pass by ignoring the option.
        Assert.True(MaxDiff(fastGroups, fastSync) > 1e-4, "grouped and global statistics gave the same weights");
    }

    [Fact]
    public void A_refusal_on_rank_0_ends_every_rank_with_one_line()
    {
        // A finished run in --out: rank 0 refuses it while rank 1 waits for its decision; the job must end, not hang.
        Two("finished", "float32", "sgd", "--reg", "none");
        var again = MpiRun.Run(2, Args("finished", 4, "float32", "sgd", "--reg", "none"));
        Assert.NotEqual(0, again.ExitCode);
        var lines = again.Stderr.Split('\n').Where(l => l.StartsWith("videovcreg: ")).ToList();
        Assert.Equal([$"videovcreg: rank 0: {Path.Combine(work, "finished")}: holds a finished run (report.json); use --force to replace it, or choose another --out"], lines);
        Assert.True(File.Exists(Path.Combine(work, "finished", "split1", "checkpoint-last.pth")), "the finished run lost its checkpoint");
    }

    [Fact]
    public void A_data_parallel_run_killed_mid_run_resumes_on_every_rank_to_the_uninterrupted_weights()
    {
        string[] options = ["--reg", "vcreg", "--vcreg-sync", "--epochs", "12"];
        var full = Two("full", "float64", "adamw", options);
        var metrics = Path.Combine(work, "killed", "split1", "metrics.jsonl");
        using (var victim = MpiRun.Start(2, Args("killed", 4, "float64", "adamw", options)))
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            while (!(File.Exists(metrics) && File.ReadAllLines(metrics).Count(l => l.Length > 0) >= 2) && watch.Elapsed < TimeSpan.FromMinutes(2) && !victim.HasExited)
                Thread.Sleep(20);
            victim.Kill(entireProcessTree: true);   // SIGKILL to mpirun and both ranks
            victim.WaitForExit();
        }
        Assert.False(File.Exists(Path.Combine(work, "killed", "report.json")), "the run finished before it was killed: the test proves nothing");
        int done = File.ReadAllLines(metrics).Count(l => l.Length > 0);
        Assert.InRange(done, 2, 11);
        var resumed = MpiRun.Run(2, Args("killed", 4, "float64", "adamw", options));
        Assert.True(resumed.ExitCode == 0, resumed.Stdout + resumed.Stderr);
        Assert.Contains("resuming", resumed.Stdout + resumed.Stderr);
        // A float64 checkpoint restores without rounding, and both ranks continue from it: the same weights to the last bit.
        Assert.Equal(0.0, MaxDiff(full, CheckpointFile.Read(Path.Combine(work, "killed", "split1", "checkpoint-last.pth"))));
        Assert.Equal(12, File.ReadAllLines(metrics).Count(l => l.Length > 0));
    }

    [Fact]
    public void A_rank_whose_batch_failed_to_load_skips_it_with_the_others_instead_of_hanging()
    {
        // One training video truncated; at one video a step per rank, that rank's batch is empty once per epoch.
        var copy = Path.Combine(work, "data");
        foreach (var f in Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(copy, Path.GetRelativePath(data, f));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(f, to);
        }
        var split = Directory.EnumerateFiles(Path.Combine(copy, "splits"), "*_test_split1.txt").Order().First();
        var victim = File.ReadLines(split).First(l => l.EndsWith(" 1")).Split(' ')[0];
        var video = Directory.EnumerateFiles(Path.Combine(copy, "videos"), victim, SearchOption.AllDirectories).Single();
        File.WriteAllBytes(video, File.ReadAllBytes(video)[..200]);

        var args = Args("bad", 1, "float32", "sgd", "--reg", "vcreg", "--vcreg-sync", "--epochs", "2").Select(a => a == data ? copy : a).ToArray();
        var r = MpiRun.Run(2, args);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        var output = r.Stdout + r.Stderr;
        Assert.Contains("skipping unreadable video", output);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(output, "had no readable sample in batch").Count);   // once an epoch
        var epochs = File.ReadAllLines(Path.Combine(work, "bad", "split1", "metrics.jsonl")).Where(l => l.Length > 0).ToList();
        Assert.Equal(2, epochs.Count);
        // Per rank ⌈n / 2⌉ steps of one video; the step holding the bad video (twice if the padding repeats it) is left out on
        // both ranks, and every other step counts 2 ranks × 2 views.
        int trainVideos = Directory.EnumerateFiles(Path.Combine(copy, "splits"), "*_test_split1.txt").SelectMany(File.ReadLines).Count(l => l.EndsWith(" 1"));
        using var first = System.Text.Json.JsonDocument.Parse(epochs[0]);
        int steps = first.RootElement.GetProperty("steps").GetInt32();
        Assert.InRange(steps, (trainVideos + 1) / 2 - 2, (trainVideos + 1) / 2 - 1);
        Assert.Equal(4 * steps, first.RootElement.GetProperty("samples").GetInt32());
    }
}
