using System.Text.Json;
using VideoVCReg.FineTune;
using VideoVCReg.Tests.Decoding;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.FineTune;

/// <summary>What a hostile (or hurried) user does to a run folder: re-runs, parallel runs, wrong paths, bad data.</summary>
[Collection(SynthDataCollection.Name)]
public class RunFolderCliTests(SynthData synth)
{
    const string TinyPreset = FineTuneCliTests.TinyPreset;

    static string[] Quick(string presets, string data, string outDir) =>
        ["finetune", "--presets", presets, "--model", "tiny", "--data", data, "--out", outDir, "--epochs", "1", "--batch-size", "2",
         "--workers", "1", "--val-share", "0", "--test-clips", "1", "--test-crops", "1", "--threads", "1"];

    static void OneLine(CliProcess.Result r, string expected)
    {
        Assert.Equal(1, r.ExitCode);
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("videovcreg: ")).ToList();
        Assert.Single(lines);
        Assert.Contains(expected, lines[0]);
    }

    [Fact]
    public void A_finished_run_is_refused_kept_byte_for_byte_and_replaced_only_with_force()
    {
        var work = Directory.CreateTempSubdirectory("runfolder-").FullName;
        try
        {
            var presets = Path.Combine(work, "tiny.json");
            File.WriteAllText(presets, TinyPreset);
            var outDir = Path.Combine(work, "run");
            var first = CliProcess.Run(Quick(presets, synth.Dir, outDir));
            Assert.True(first.ExitCode == 0, first.Stderr);
            Assert.DoesNotContain('\r', first.Stderr);   // stderr is not a terminal here: no progress line, the log lines alone
            var files = Directory.GetFiles(outDir, "*", SearchOption.AllDirectories).Where(f => !f.Contains(".lock")).Order().ToList();
            var before = files.ToDictionary(f => f, File.ReadAllBytes);

            OneLine(CliProcess.Run(Quick(presets, synth.Dir, outDir)), "holds a finished run (report.json); use --force");
            Assert.Equal(files, Directory.GetFiles(outDir, "*", SearchOption.AllDirectories).Where(f => !f.Contains(".lock")).Order().ToList());
            Assert.All(files, f => Assert.Equal(before[f], File.ReadAllBytes(f)));

            // An unfinished run (the report gone, as when a run is killed before its end) is resumed: the finished
            // split is kept as it was, the report is written again from it.
            var results = Path.Combine(outDir, "split1", "results.json");
            File.Delete(Path.Combine(outDir, "report.json"));
            var again = CliProcess.Run(Quick(presets, synth.Dir, outDir));
            Assert.True(again.ExitCode == 0, again.Stderr);
            Assert.Contains("resuming it", again.Stderr);
            Assert.Contains("split 1 finished before", again.Stderr);
            Assert.Equal(before[results], File.ReadAllBytes(results));
            Assert.True(File.Exists(Path.Combine(outDir, "report.json")));

            var forced = CliProcess.Run([.. Quick(presets, synth.Dir, outDir), "--force"]);
            Assert.True(forced.ExitCode == 0, forced.Stderr);
            Assert.True(File.Exists(Path.Combine(outDir, "report.json")));
            Assert.Single(File.ReadAllLines(Path.Combine(outDir, "split1", "metrics.jsonl")));
            // --force checks the new inputs by building the model, then puts torch's generator back: the forced run draws
            // what the first run (into an empty folder, same seed) drew, so its test predictions are the same.
            static string Predictions(byte[] json) => JsonDocument.Parse(json).RootElement.GetProperty("predictions").GetRawText();
            Assert.Equal(Predictions(before[results]), Predictions(File.ReadAllBytes(results)));
        }
        finally { Directory.Delete(work, true); }
    }

    /// <summary>
    /// Re-runs that used to destroy a run (found by a hostile-user pass): an eval into a training run's folder, a --force
    /// whose new inputs are wrong, a resume whose checkpoint-last.pth is gone, damaged bookkeeping. Each is one line, and the
    /// run's files stay byte for byte.
    /// </summary>
    [Fact]
    public void Reruns_into_a_run_folder_that_cannot_go_ahead_lose_nothing()
    {
        var work = Directory.CreateTempSubdirectory("runfolder-hostile-").FullName;
        try
        {
            var presets = Path.Combine(work, "tiny.json");
            File.WriteAllText(presets, TinyPreset);
            var outDir = Path.Combine(work, "run");
            var args = Quick(presets, synth.Dir, outDir);
            args[Array.IndexOf(args, "--val-share") + 1] = "0.34";   // validation, so a checkpoint-best.pth exists
            args[Array.IndexOf(args, "--epochs") + 1] = "2";
            var first = CliProcess.Run(args);
            Assert.True(first.ExitCode == 0, first.Stderr);
            Dictionary<string, byte[]> Snapshot() => Directory.GetFiles(outDir, "*", SearchOption.AllDirectories)
                .Where(f => !f.Contains(".lock")).ToDictionary(f => f, File.ReadAllBytes);
            void Unchanged(Dictionary<string, byte[]> before)
            {
                var now = Snapshot();
                Assert.True(before.Keys.Order().SequenceEqual(now.Keys.Order()), $"files now: {string.Join(", ", now.Keys.Except(before.Keys))}; gone: {string.Join(", ", before.Keys.Except(now.Keys))}");
                Assert.All(before, kv => Assert.True(kv.Value.AsSpan().SequenceEqual(now[kv.Key]), $"{kv.Key} changed"));
            }
            var finished = Snapshot();
            var split = Path.Combine(outDir, "split1");

            OneLine(CliProcess.Run("eval", "--presets", presets, "--model", "tiny", "--weights", Path.Combine(split, "checkpoint-best.pth"),
                "--data", synth.Dir, "--test-clips", "1", "--test-crops", "1", "--out", outDir, "--threads", "1"), "holds a finished run; choose another --out for eval");
            Unchanged(finished);
            var text = Path.Combine(work, "text.pt");
            File.WriteAllText(text, "hello");
            OneLine(CliProcess.Run([.. args, "--force", "--weights", text]), "not a PyTorch checkpoint");
            Unchanged(finished);
            var data = args.ToArray();
            data[Array.IndexOf(data, "--data") + 1] = Path.Combine(work, "no-such-data");
            OneLine(CliProcess.Run([.. data, "--force"]), "dataset folder not found");
            Unchanged(finished);

            // Unfinished (killed before its results), and checkpoint-last.pth lost: starting over would overwrite
            // checkpoint-best.pth and the metrics, so it is refused; as a folder, the same.
            foreach (var f in new[] { "report.json", "report.md", "test_accuracy.png", "training_curves.png" }) File.Delete(Path.Combine(outDir, f));
            File.Delete(Path.Combine(split, "results.json"));
            var last = Path.Combine(split, "checkpoint-last.pth");
            var lastBytes = File.ReadAllBytes(last);
            File.Delete(last);
            var unfinished = Snapshot();
            OneLine(CliProcess.Run(args), "recorded 2 epochs but checkpoint-last.pth is missing, so it cannot resume");
            Unchanged(unfinished);
            Directory.CreateDirectory(last);
            OneLine(CliProcess.Run(args), "checkpoint-last.pth is a folder");
            Directory.Delete(last);
            Unchanged(unfinished);

            // Damaged metrics beside a good checkpoint: named by file and line.
            var metrics = Path.Combine(split, "metrics.jsonl");
            var firstEpoch = File.ReadAllLines(metrics)[0];
            File.WriteAllBytes(last, lastBytes);
            File.WriteAllText(metrics, "garbage{\n" + firstEpoch + "\n");
            var damaged = Snapshot();
            OneLine(CliProcess.Run(args), "metrics.jsonl: line 1 is not an epoch record");
            Unchanged(damaged);

            // Killed in the first epoch after checkpoint-best.pth but before checkpoint-last.pth: that epoch starts over.
            File.Delete(last);
            File.WriteAllText(metrics, firstEpoch + "\n");
            var again = CliProcess.Run(args);
            Assert.True(again.ExitCode == 0, again.Stderr);
            Assert.Equal(2, File.ReadAllLines(metrics).Length);
            Assert.True(File.Exists(Path.Combine(outDir, "report.json")));

            // The lock file made a folder: one line, not an access-denied stack.
            var locked = Path.Combine(work, "locked");
            Directory.CreateDirectory(Path.Combine(locked, ".lock"));
            OneLine(CliProcess.Run(Quick(presets, synth.Dir, locked)), "lock file is a folder");

            // A run that saved no weights (it failed in its first epoch) holds nothing to keep: corrected options start over.
            // Unless another split of the folder (not one this command runs) holds results: then the settings must match.
            var failed = Path.Combine(work, "failed");
            Directory.CreateDirectory(Path.Combine(failed, "split1"));
            File.WriteAllText(Path.Combine(failed, "split1", "metrics.jsonl"), "");
            File.WriteAllText(Path.Combine(failed, "settings.json"), """{"settings_version":2,"spec":{"other":"settings"}}""");
            Directory.CreateDirectory(Path.Combine(failed, "split2"));
            File.WriteAllText(Path.Combine(failed, "split2", "results.json"), "{}");
            OneLine(CliProcess.Run(Quick(presets, synth.Dir, failed)), "which this one cannot continue");
            Assert.Equal("{}", File.ReadAllText(Path.Combine(failed, "split2", "results.json")));
            Directory.Delete(Path.Combine(failed, "split2"), true);
            var restart = CliProcess.Run(Quick(presets, synth.Dir, failed));
            Assert.True(restart.ExitCode == 0, restart.Stderr);
            Assert.Contains("saved no weights: starting over", restart.Stderr);
            Assert.True(File.Exists(Path.Combine(failed, "report.json")));
        }
        finally { Directory.Delete(work, true); }
    }

    /// <summary>
    /// A real "No space left on device" from the kernel: the checkpoint's partial file is a link to /dev/full,
    /// which accepts the open and fails the write with ENOSPC, as a full disk does.
    /// </summary>
    [Fact]
    public void A_full_disk_stops_the_run_with_one_line_and_leaves_no_partial_file()
    {
        var work = Directory.CreateTempSubdirectory("runfolder-enospc-").FullName;
        try
        {
            var presets = Path.Combine(work, "tiny.json");
            File.WriteAllText(presets, TinyPreset);
            var outDir = Path.Combine(work, "run");
            var partial = Path.Combine(outDir, "split1", "checkpoint-last.pth.partial");
            Directory.CreateDirectory(Path.GetDirectoryName(partial)!);
            File.CreateSymbolicLink(partial, "/dev/full");
            var twoEpochs = Quick(presets, synth.Dir, outDir);
            twoEpochs[Array.IndexOf(twoEpochs, "--epochs") + 1] = "2";
            OneLine(CliProcess.Run(twoEpochs), "checkpoint-last.pth: could not be written (No space left on device");
            Assert.False(File.Exists(partial) || new FileInfo(partial).LinkTarget is not null, "the partial file was left behind");
            Assert.False(File.Exists(Path.Combine(outDir, "split1", "checkpoint-last.pth")));
            // The epoch's metrics line was written before the checkpoint; the run resumes (here: starts over) and finishes.
            Assert.Single(File.ReadAllLines(Path.Combine(outDir, "split1", "metrics.jsonl")));
            var resumed = CliProcess.Run(twoEpochs);
            Assert.True(resumed.ExitCode == 0, resumed.Stderr);
            Assert.Equal(2, File.ReadAllLines(Path.Combine(outDir, "split1", "metrics.jsonl")).Length);
        }
        finally { Directory.Delete(work, true); }
    }

    [Fact]
    public void Test_weights_best_scores_the_best_validation_checkpoint()
    {
        var work = Directory.CreateTempSubdirectory("testweights-").FullName;
        try
        {
            var presets = Path.Combine(work, "tiny.json");
            File.WriteAllText(presets, TinyPreset);
            var outDir = Path.Combine(work, "run");
            var args = Quick(presets, synth.Dir, outDir);
            args[Array.IndexOf(args, "--val-share") + 1] = "0.34";
            args[Array.IndexOf(args, "--epochs") + 1] = "3";
            var r = CliProcess.Run([.. args, "--test-weights", "best", "--lr", "0.5"]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            var split = Path.Combine(outDir, "split1");
            using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(split, "results.json")));
            Assert.StartsWith("best validation top-1", results.RootElement.GetProperty("tested_weights").GetString());
            // Scoring checkpoint-best.pth with eval gives the same test result; the final weights are another model.
            var e = CliProcess.Run("eval", "--presets", presets, "--model", "tiny", "--weights", Path.Combine(split, "checkpoint-best.pth"),
                "--data", synth.Dir, "--test-clips", "1", "--test-crops", "1", "--out", Path.Combine(work, "eval"), "--threads", "1");
            Assert.True(e.ExitCode == 0, e.Stderr);
            using var evalResults = JsonDocument.Parse(File.ReadAllText(Path.Combine(work, "eval", "split1", "results.json")));
            var expected = results.RootElement.GetProperty("predictions").EnumerateArray().Select(p => p.GetProperty("confidence").GetDouble()).ToList();
            var got = evalResults.RootElement.GetProperty("predictions").EnumerateArray().Select(p => p.GetProperty("confidence").GetDouble()).ToList();
            // Equal up to float rounding: eval batches 8 views, finetune's test 2, and GEMM blocking follows the batch.
            Assert.Equal(expected, got, (a, b) => Math.Abs(a - b) <= 1e-6);
            // In this run (seeded, one thread) validation peaks before the last epoch, so the final weights score otherwise.
            var epochsTop1 = File.ReadAllLines(Path.Combine(split, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("validation").GetProperty("top1").GetDouble()).ToList();
            Assert.True(epochsTop1.IndexOf(epochsTop1.Max()) < epochsTop1.Count - 1, $"validation top-1 per epoch {string.Join(", ", epochsTop1)}: best is last, the test cannot tell them apart");
            var last = CliProcess.Run("eval", "--presets", presets, "--model", "tiny", "--weights", Path.Combine(split, "checkpoint-last.pth"),
                "--data", synth.Dir, "--test-clips", "1", "--test-crops", "1", "--out", Path.Combine(work, "eval-last"), "--threads", "1");
            Assert.True(last.ExitCode == 0, last.Stderr);
            using var lastResults = JsonDocument.Parse(File.ReadAllText(Path.Combine(work, "eval-last", "split1", "results.json")));
            var fromLast = lastResults.RootElement.GetProperty("predictions").EnumerateArray().Select(p => p.GetProperty("confidence").GetDouble()).ToList();
            Assert.NotEqual(expected, fromLast, (a, b) => Math.Abs(a - b) <= 1e-6);
        }
        finally { Directory.Delete(work, true); }
    }

    [Fact]
    public void A_folder_in_use_by_another_run_is_refused_and_an_out_that_is_a_file_is_named()
    {
        var work = Directory.CreateTempSubdirectory("runfolder-lock-").FullName;
        try
        {
            var outDir = Path.Combine(work, "busy");
            using (RunFolder.Acquire(outDir))   // the OS lock, as another process running there holds it
            {
                OneLine(CliProcess.Run("finetune", "--data", synth.Dir, "--out", outDir, "--epochs", "1"), $"pid {Environment.ProcessId}");
                OneLine(CliProcess.Run("eval", "--weights", "x.pth", "--data", synth.Dir, "--out", outDir), "another run is using this folder");
            }
            Assert.Throws<IOException>(() => { using var a = RunFolder.Acquire(outDir); using var b = RunFolder.Acquire(outDir); });
            var file = Path.Combine(work, "a-file");
            File.WriteAllText(file, "x");
            OneLine(CliProcess.Run("finetune", "--data", synth.Dir, "--out", file, "--epochs", "1"), "is a file, not an output folder");
        }
        finally { Directory.Delete(work, true); }
    }

    [Fact]
    public void Eval_writes_per_video_results_and_fails_when_no_test_video_decodes()
    {
        var work = Directory.CreateTempSubdirectory("eval-results-").FullName;
        var data = synth.Copy();
        try
        {
            var presets = Path.Combine(work, "tiny.json");
            File.WriteAllText(presets, TinyPreset.Replace("400", SynthData.Classes.ToString()));
            var weights = Path.Combine(work, "tiny.pth");
            using (var m = new VideoVCReg.Models.VisionTransformer(VideoVCReg.Models.ModelPresets.Get("tiny", presets)))
                VideoVCReg.Models.Checkpoints.CheckpointWriter.Save(m, weights);
            string[] Eval(string outDir) => ["eval", "--presets", presets, "--model", "tiny", "--weights", weights, "--data", data,
                "--test-clips", "1", "--test-crops", "1", "--out", outDir, "--threads", "1"];
            var ok = CliProcess.Run(Eval(Path.Combine(work, "ok")));
            Assert.True(ok.ExitCode == 0, ok.Stderr);
            using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(work, "ok", "split1", "results.json")));
            var tested = Directory.GetFiles(Path.Combine(data, "splits"), "*_test_split1.txt").Sum(f => File.ReadAllLines(f).Count(l => l.Trim().EndsWith(" 2")));
            Assert.Equal(tested, results.RootElement.GetProperty("test").GetProperty("videos").GetInt32());
            Assert.Equal(tested, results.RootElement.GetProperty("predictions").GetArrayLength());

            // Every test video of split 1 damaged: no score exists, and saying 0 % would be a lie.
            foreach (var f in Directory.GetFiles(Path.Combine(data, "splits"), "*_test_split1.txt"))
                foreach (var line in File.ReadAllLines(f).Where(l => l.Trim().EndsWith(" 2")))
                {
                    var cls = Path.GetFileName(f)[..^"_test_split1.txt".Length];
                    File.WriteAllBytes(Path.Combine(data, "videos", cls, line.Split(' ')[0]), [1, 2, 3]);
                }
            OneLine(CliProcess.Run(Eval(Path.Combine(work, "none"))), $"none of the {tested} test videos could be read");
        }
        finally
        {
            Directory.Delete(work, true);
            Directory.Delete(data, true);
        }
    }

    [Fact]
    public void A_class_without_videos_is_refused_by_finetune_and_reported_by_data_check()
    {
        var data = synth.Copy();
        try
        {
            Directory.CreateDirectory(Path.Combine(data, "videos", "zz_empty"));
            for (int k = 1; k <= 3; k++) File.WriteAllText(Path.Combine(data, "splits", $"zz_empty_test_split{k}.txt"), "");
            var r = CliProcess.Run("finetune", "--data", data, "--out", Path.Combine(data, "run"), "--epochs", "1");
            OneLine(r, "lists no train video for class(es) zz_empty");
            var check = CliProcess.Run("data", "check", data);
            Assert.Equal(1, check.ExitCode);
            Assert.Contains("zz_empty: class zz_empty has no train video in split 1 (empty split file?)", check.Stdout.Split('\n'));
        }
        finally { Directory.Delete(data, true); }
    }
}
