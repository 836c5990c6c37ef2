using System.Text.Json;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Eval;

/// <summary>`videovcreg report`: runs side by side from their own files, and per run its split table and confusion matrix.</summary>
public class ReportVerbTests
{
    /// <summary>A finished run folder as finetune leaves it (settings.json, report.json, split*/results.json), with chosen numbers.</summary>
    /// <remarks>
    /// With <paramref name="scaling"/>, settings version 2 as finetune writes it; without, the flat layout of the runs from before
    /// the scaling switch (no Scaling key), which report still reads.
    /// </remarks>
    static string Run(string root, string name, string kind, double noise, (double Top1, (int Label, int Predicted)[] Predictions)[] splits, string? scaling = null, int? seed = null)
    {
        var dir = Path.Combine(root, name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "settings.json"), scaling is null
            ? JsonSerializer.Serialize(new
            {
                model = "videomae-s", regularizer = new { Kind = kind, Placement = "head", Alpha = 3.0, Beta = 0.1 }, views = new { Noise = noise }, seed = seed ?? 0,
            })
            : JsonSerializer.Serialize(new
            {
                settings_version = 2,
                spec = new
                {
                    model = "videomae-s", seed = seed ?? 0, data = new { noise, split = "all" },
                    regularizer = new { kind, placement = "head", alpha = 3.0, beta = 0.1, scaling },
                },
                resolved = new { data = "/data/hmdb51", splits = "1,2,3", processes = 1 },
            }));
        double mean = splits.Average(s => s.Top1);
        double std = splits.Length < 2 ? 0 : Math.Sqrt(splits.Sum(s => (s.Top1 - mean) * (s.Top1 - mean)) / (splits.Length - 1));
        File.WriteAllText(Path.Combine(dir, "report.json"), JsonSerializer.Serialize(new
        {
            splits = splits.Select((s, i) => new { split = i + 1, videos = s.Predictions.Length, views = 30 * s.Predictions.Length, top1 = s.Top1, top5 = 0.9, mean_class_accuracy = s.Top1 }),
            mean = new { top1 = mean, top1_std = std, top5 = 0.9, top5_std = 0.0, mean_class_accuracy = mean, mean_class_std = std },
        }));
        for (int i = 0; i < splits.Length; i++)
        {
            Directory.CreateDirectory(Path.Combine(dir, $"split{i + 1}"));
            File.WriteAllText(Path.Combine(dir, $"split{i + 1}", "results.json"), JsonSerializer.Serialize(new
            {
                predictions = splits[i].Predictions.Select((p, k) => new { video_id = $"v{k}", label = p.Label, predicted = p.Predicted, views = 30, confidence = 0.5 }),
            }));
        }
        return dir;
    }

    [Fact]
    public void Compares_runs_by_model_regularizer_and_noise_and_writes_each_runs_confusion_matrix()
    {
        var root = Directory.CreateTempSubdirectory("report-verb-").FullName;
        try
        {
            (int, int)[] a = [(0, 0), (1, 1), (2, 1), (2, 2)], b = [(0, 1), (1, 1), (2, 2), (0, 0)];
            var vcreg = Run(root, "vcreg-s15", "vcreg", 1.5, [(0.5, a), (0.7, b)]);
            var plain = Run(root, "none-s15", "none", 1.5, [(0.4, a), (0.4, b)]);
            var clean = Run(root, "vcreg-s0", "vcreg", 0.5, [(0.8, a), (0.9, b)], scaling: "paper");   // settings version 2
            var outDir = Path.Combine(root, "out");
            var before = Directory.GetFiles(root, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllText);
            var r = CliProcess.Run("report", vcreg, plain, clean, "--out", outDir);
            Assert.True(r.ExitCode == 0, r.Stderr);
            // The run folders are read, never written (a read-only run once failed the report).
            Assert.Equal(before.Keys.Order(), Directory.GetFiles(root, "*", SearchOption.AllDirectories).Where(f => !f.StartsWith(outDir)).Order());
            Assert.All(before, kv => Assert.Equal(kv.Value, File.ReadAllText(kv.Key)));

            var md = File.ReadAllText(Path.Combine(outDir, "comparison.md"));
            // A run from before the scaling switch used eq. 3's gradient: it must read as loss-scaled, not as today's default.
            Assert.Contains("| videomae-s | vcreg α3 β0.1 loss-scaled at head | 1.5 | 2 | 60.0 ± 14.1 |", md);   // mean ± sample std of 0.5, 0.7
            Assert.Contains("| videomae-s | none | 1.5 | 2 | 40.0 ± 0.0 |", md);
            Assert.Contains("| videomae-s | vcreg α3 β0.1 paper-scaled at head | 0.5 | 2 | 85.0 ± 7.1 |", md);
            var rows = File.ReadAllLines(Path.Combine(outDir, "comparison.csv")).Skip(1).Select(l => l.Split(',')).ToList();
            Assert.Equal(3, rows.Count);
            Assert.Equal("none", rows[0][1]);                          // unregularized first within a model, then by σ
            Assert.Equal(0.6, double.Parse(rows.Single(x => x[2] == "1.5" && x[1] != "none")[4], System.Globalization.CultureInfo.InvariantCulture), 12);
            Assert.True(new FileInfo(Path.Combine(outDir, "top1_vs_noise.png")).Length > 1000);

            // Per run, under --out: the split table, and the confusion matrix summed over both splits' predictions.
            var perRun = Path.Combine(outDir, "runs", "vcreg-s15");
            Assert.Equal(["split,videos,views,top1,top5,mean_class_accuracy", "1,4,120,0.5,0.9,0.5", "2,4,120,0.7,0.9,0.7"], File.ReadAllLines(Path.Combine(perRun, "report.csv")));
            var matrix = File.ReadAllLines(Path.Combine(perRun, "confusion_matrix.csv")).Skip(1).Select(l => l.Split(',').Skip(1).Select(int.Parse).ToArray()).ToArray();
            Assert.Equal(new[] { 2, 1, 0 }, matrix[0]);   // true 0: predicted 0 twice, 1 once
            Assert.Equal(new[] { 0, 2, 0 }, matrix[1]);
            Assert.Equal(new[] { 0, 1, 2 }, matrix[2]);
            Assert.True(new FileInfo(Path.Combine(perRun, "confusion_matrix.png")).Length > 1000);
            Assert.Equal(["none-s15", "vcreg-s0", "vcreg-s15"], Directory.GetDirectories(Path.Combine(outDir, "runs")).Select(Path.GetFileName).Order());
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void Runs_that_differ_only_in_seed_become_one_row_paired_with_the_unregularized_runs_on_the_same_seeds()
    {
        var root = Directory.CreateTempSubdirectory("report-seeds-").FullName;
        try
        {
            (int, int)[] a = [(0, 0), (1, 1)];
            double[] vc = [0.62, 0.70, 0.66], none = [0.60, 0.64, 0.65];
            var dirs = new List<string>();
            for (int s = 0; s < 3; s++)
            {
                dirs.Add(Run(root, $"vcreg-{s}", "vcreg", 0, [(vc[s], a)], scaling: "paper", seed: 10 + s));
                dirs.Add(Run(root, $"none-{s}", "none", 0, [(none[s], a)], scaling: "paper", seed: 10 + s));
            }
            dirs.Add(Run(root, "vcreg-noisy", "vcreg", 1.5, [(0.5, a)], scaling: "paper", seed: 10));   // another setting, one seed: no row
            var outDir = Path.Combine(root, "out");
            var r = CliProcess.Run(["report", .. dirs, "--out", outDir]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            var rows = File.ReadAllLines(Path.Combine(outDir, "comparison_seeds.csv")).Skip(1).Select(l => l.Split(',')).ToList();
            Assert.Equal(2, rows.Count);
            var inv = System.Globalization.CultureInfo.InvariantCulture;
            var none0 = rows.Single(x => x[1] == "none");
            Assert.Equal("10 11 12", none0[3]);
            Assert.Equal(none.Average(), double.Parse(none0[4], inv), 12);
            Assert.Equal("", none0[6]);
            var v = rows.Single(x => x[1] != "none");
            var stats = VideoVCReg.Eval.SeedStatistics.Summarize(vc);
            Assert.Equal(stats.Std, double.Parse(v[5], inv), 12);
            var diff = VideoVCReg.Eval.SeedStatistics.Paired(vc, none);
            Assert.Equal(diff.Mean, double.Parse(v[6], inv), 12);
            Assert.Equal(diff.Low!.Value, double.Parse(v[7], inv), 12);
            Assert.Equal(diff.High!.Value, double.Parse(v[8], inv), 12);
            Assert.Contains("## Over seeds", File.ReadAllText(Path.Combine(outDir, "comparison.md")));

            // A report with no repeated setting removes an earlier seeds table rather than leaving it to describe other runs.
            var single = CliProcess.Run("report", dirs[0], dirs[1], "--out", outDir);
            Assert.True(single.ExitCode == 0, single.Stderr);
            Assert.False(File.Exists(Path.Combine(outDir, "comparison_seeds.csv")));
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void A_folder_that_is_not_a_finished_run_is_one_line_naming_it()
    {
        var dir = Directory.CreateTempSubdirectory("report-empty-").FullName;
        try
        {
            var r = CliProcess.Run("report", dir, "--out", Path.Combine(dir, "out"));
            Assert.Equal(1, r.ExitCode);
            Assert.Equal($"videovcreg: {dir}: not a finished run (no report.json)", r.Stderr.Trim());
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void A_pretraining_run_and_an_out_that_is_a_file_are_one_line_each()
    {
        var root = Directory.CreateTempSubdirectory("report-kinds-").FullName;
        try
        {
            var finetuned = Run(root, "finetuned", "vcreg", 0, [(0.5, [(0, 0), (1, 1)])]);
            // A pretraining run as the experiment layer leaves it: settings without views, a report of folds without test results.
            var pretrained = Path.Combine(root, "pretrained");
            Directory.CreateDirectory(pretrained);
            File.WriteAllText(Path.Combine(pretrained, "settings.json"), """{"arch":"resnet32","seed":0,"train":{"Epochs":1}}""");
            File.WriteAllText(Path.Combine(pretrained, "report.json"), """{"title":"pretrain","folds":[{"split":1,"epochs":1,"final_train_loss":2.3}]}""");
            var r = CliProcess.Run("report", finetuned, pretrained, "--out", Path.Combine(root, "out"));
            Assert.Equal(1, r.ExitCode);
            Assert.Equal($"videovcreg: {pretrained}: not a fine-tuning run with test results (a pretraining run, or one trained with --no-test); report compares tested finetune runs, or probe runs",
                r.Stderr.Trim());

            var analysis = Path.Combine(root, "analysis");
            Directory.CreateDirectory(analysis);
            File.WriteAllText(Path.Combine(analysis, "report.json"), """{"kind":"representation","data":"x","runs":[]}""");
            Assert.Equal($"{analysis}: a representation run, not a fine-tuning run; report compares tested finetune runs, or probe runs",
                Assert.Throws<InvalidDataException>(() => VideoVCReg.Eval.FinishedRun.Read(analysis)).Message);

            var aFile = Path.Combine(root, "afile");
            File.WriteAllText(aFile, "keep");
            var intoFile = CliProcess.Run("report", finetuned, "--out", aFile);
            Assert.Equal(1, intoFile.ExitCode);
            Assert.Equal($"videovcreg: {aFile}: is a file, not a folder (--out)", intoFile.Stderr.Trim());
            Assert.Equal("keep", File.ReadAllText(aFile));
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void A_damaged_run_file_is_named_itself_not_its_folder()
    {
        var root = Directory.CreateTempSubdirectory("report-damaged-").FullName;
        try
        {
            (int, int)[] a = [(0, 0), (1, 1)];
            foreach (var file in new[] { "settings.json", "report.json", Path.Combine("split2", "results.json") })
            {
                var dir = Run(root, $"run-{Path.GetFileNameWithoutExtension(file)}", "vcreg", 0, [(0.5, a), (0.5, a)]);
                var path = Path.Combine(dir, file);
                File.WriteAllText(path, File.ReadAllText(path)[..20]);                  // cut off mid-object
                var e = Assert.Throws<InvalidDataException>(() => VideoVCReg.Eval.FinishedRun.Read(dir));
                Assert.StartsWith($"{path}: unreadable (", e.Message);
            }
            // A well-formed file without a field the report needs is named the same way.
            var missing = Run(root, "run-no-mean", "vcreg", 0, [(0.5, a), (0.5, a)]);
            var report = Path.Combine(missing, "report.json");
            File.WriteAllText(report, File.ReadAllText(report).Replace("\"mean\"", "\"average\""));
            Assert.StartsWith($"{report}: unreadable (", Assert.Throws<InvalidDataException>(() => VideoVCReg.Eval.FinishedRun.Read(missing)).Message);
            // A mean without top1 is found after the split files were read: still the report is named, not the last split file.
            var noTop1 = Run(root, "run-no-top1", "vcreg", 0, [(0.5, a), (0.5, a)]);
            var report2 = Path.Combine(noTop1, "report.json");
            File.WriteAllText(report2, File.ReadAllText(report2).Replace("\"mean\":{\"top1\"", "\"mean\":{\"top_1\""));
            Assert.StartsWith($"{report2}: unreadable (", Assert.Throws<InvalidDataException>(() => VideoVCReg.Eval.FinishedRun.Read(noTop1)).Message);
            // A split number that is not an integer.
            var fraction = Run(root, "run-fraction", "vcreg", 0, [(0.5, a), (0.5, a)]);
            var report3 = Path.Combine(fraction, "report.json");
            File.WriteAllText(report3, File.ReadAllText(report3).Replace("\"split\":1", "\"split\":1.5"));
            Assert.StartsWith($"{report3}: unreadable (", Assert.Throws<InvalidDataException>(() => VideoVCReg.Eval.FinishedRun.Read(fraction)).Message);
        }
        finally { Directory.Delete(root, true); }
    }
}
