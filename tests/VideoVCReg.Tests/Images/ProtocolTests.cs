using System.Text.Json;
using VideoVCReg.Decoding.Images;
using VideoVCReg.Eval;
using VideoVCReg.Experiment.Probe;
using VideoVCReg.Experiment.Protocols;
using VideoVCReg.Runtime.IO;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Images;

/// <summary>The image protocols as one command each: their tables hold the numbers of the runs they made, and a re-run reuses them.</summary>
public class ProtocolTests
{
    static string[] Small => ["--epochs", "1", "--warmup-epochs", "0", "--batch-size", "16", "--lr", "0.5", "--layer-decay", "1",
        "--mixup", "0", "--cutmix", "0", "--num-sample", "1", "--threads", "1"];

    static double MeanTop1(string runDir)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(runDir, "report.json")));
        return doc.RootElement.GetProperty("mean").GetProperty("top1").GetDouble();
    }

    static List<List<string>> Csv(string path) =>
        [.. File.ReadAllLines(path).Skip(1).Select(l => l.Split(',').ToList())];

    static double Number(string v) => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Transfer_pretrains_with_and_without_vcreg_on_each_seed_probes_each_and_reuses_finished_runs()
    {
        var work = Directory.CreateTempSubdirectory("protocol-transfer-").FullName;
        try
        {
            var data = Path.Combine(work, "data");
            SyntheticImages.Write(data, new SynthImageOptions(TrainPerClass: 20, TestPerClass: 5), AtomicFile.Write);
            var outDir = Path.Combine(work, "transfer");
            string[] args = ["protocol", "transfer", "--data", $"cifar100:{Path.Combine(data, "source")}", "--downstream", $"cifar10:{Path.Combine(data, "downstream")}",
                "--lambdas", "9", "--seeds", "2", "--seed", "4", "--out", outDir, .. Small];
            var r = CliProcess.Run(args);
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Contains("| pretraining |", r.Stdout);

            // One line per run: pretraining, seed, source test, probe.
            var rows = Csv(Path.Combine(outDir, "transfer.csv"));
            Assert.Equal(4, rows.Count);
            Assert.Equal(["resnet32 / no regularizer", "resnet32 / no regularizer"], rows.Take(2).Select(x => x[0]));
            // The preset's α and β (configs/images.json), not the video default, under Algorithm 1's scaling.
            Assert.Equal(["resnet32 / vcreg α0.64 β0.04 paper-scaled at blocks", "resnet32 / vcreg α0.64 β0.04 paper-scaled at blocks"], rows.Skip(2).Select(x => x[0]));
            Assert.Equal(["4", "5", "4", "5"], rows.Select(x => x[1]));
            var probeDirs = Directory.GetDirectories(outDir, "probe-*").Order().ToList();
            Assert.Equal(4, probeDirs.Count);
            foreach (var (reg, row) in new[] { ("none", 4), ("none", 5), ("vcreg", 4), ("vcreg", 5) }.Zip(rows))
            {
                var pretrain = Path.Combine(outDir, $"pretrain-{reg.Item1}-seed{reg.Item2}");
                Assert.Equal(MeanTop1(pretrain), Number(row[2]));
                var probe = ProbeReport.Read(probeDirs.Single(d => Path.GetFileName(d).StartsWith($"probe-{reg.Item1}-seed{reg.Item2}-")));
                Assert.Equal(probe.TestTop1, Number(row[3]));
                // The probe read the backbone this pretraining wrote, on the same seed.
                Assert.Equal(Path.Combine(pretrain, "split1", "checkpoint-last.pth"), probe.Weights);
                Assert.Equal(reg.Item2, probe.Seed);
                Assert.Equal(8, probe.Classes);
                Assert.Equal(reg.Item2, SettingsFile.Spec(pretrain).GetProperty("seed").GetInt32());
            }
            // The two seeds' pretrainings are different runs, not one run twice.
            Assert.NotEqual(File.ReadAllBytes(Path.Combine(outDir, "pretrain-vcreg-seed4", "split1", "checkpoint-last.pth")),
                File.ReadAllBytes(Path.Combine(outDir, "pretrain-vcreg-seed5", "split1", "checkpoint-last.pth")));
            Assert.Equal("blocks", SettingsFile.Spec(Path.Combine(outDir, "pretrain-vcreg-seed4")).GetProperty("regularizer").GetProperty("placement").GetString());

            // The summary: mean and std over seeds, and vcreg − none paired by seed with its t-interval, from those runs.
            var summary = Csv(Path.Combine(outDir, "transfer_summary.csv"));
            List<string> Stat(string row, string stat) => summary.Single(x => x[0] == row && x[1] == stat);
            double[] none = [Number(rows[0][3]), Number(rows[1][3])], vc = [Number(rows[2][3]), Number(rows[3][3])];
            Assert.Equal(none.Average(), Number(Stat(rows[0][0], "mean")[3]), 12);
            Assert.Equal(VideoVCReg.Eval.SeedStatistics.Summarize(vc).Std, Number(Stat(rows[2][0], "std")[3]), 12);
            var diff = VideoVCReg.Eval.SeedStatistics.Paired(vc, none);
            Assert.Equal(diff.Mean, Number(Stat(rows[2][0], "diff_mean")[3]), 12);
            Assert.Equal(diff.Low!.Value, Number(Stat(rows[2][0], "diff_ci95_low")[3]), 12);
            Assert.Contains("Paired difference with 'resnet32 / no regularizer'", File.ReadAllText(Path.Combine(outDir, "transfer.md")));

            // `report` on the probe folders: the same per-run values, rows named from the pretraining runs, seeds kept apart.
            var reportDir = Path.Combine(work, "report");
            var rep = CliProcess.Run(["report", .. probeDirs, "--out", reportDir]);
            Assert.True(rep.ExitCode == 0, rep.Stderr);
            var reported = Csv(Path.Combine(reportDir, "transfer.csv"));
            Assert.Equal(rows.Select(x => (x[0], x[1], x[^1])), reported.Select(x => (x[0], x[1], x[^1])));
            // Runs on unequal seeds cannot be paired: one line.
            var unpaired = CliProcess.Run(["report", .. probeDirs.Take(3), "--out", Path.Combine(work, "report-unpaired")]);
            Assert.Equal(1, unpaired.ExitCode);
            Assert.Contains("give runs on the same seeds", unpaired.Stderr);

            var before = File.ReadAllText(Path.Combine(outDir, "transfer.csv"));
            var again = CliProcess.Run(args);
            Assert.True(again.ExitCode == 0, again.Stderr);
            Assert.Contains("reusing it", again.Stderr);
            Assert.DoesNotContain("epoch 1/1", again.Stderr);
            Assert.Equal(before, File.ReadAllText(Path.Combine(outDir, "transfer.csv")));

            // The probe verb on the same weights, data, seed and λ count is the same probe: the same settings, byte for byte.
            var protocolProbe = probeDirs.Single(d => Path.GetFileName(d).StartsWith("probe-none-seed4-"));
            var typed = Path.Combine(work, "typed-probe");
            var p = CliProcess.Run("--seed", "4", "--threads", "1", "probe", "--arch", "resnet32", "--weights", Path.Combine(outDir, "pretrain-none-seed4", "split1", "checkpoint-last.pth"),
                "--data", $"cifar10:{Path.Combine(data, "downstream")}", "--lambdas", "9", "--out", typed);
            Assert.True(p.ExitCode == 0, p.Stderr);
            Assert.Equal(File.ReadAllText(Path.Combine(protocolProbe, "settings.json")), File.ReadAllText(Path.Combine(typed, "settings.json")));
            Assert.Equal(ProbeReport.Read(protocolProbe).TestTop1, ProbeReport.Read(typed).TestTop1);

            // A probe folder of an older videovcreg (flat settings) is not taken for this one's: one line, nothing replaced.
            var flat = """{"data":"x","seed":4,"solver":"lbfgs"}""";
            File.WriteAllText(Path.Combine(protocolProbe, "settings.json"), flat);
            var older = CliProcess.Run(args);
            Assert.Equal(1, older.ExitCode);
            Assert.Contains($"{protocolProbe}: holds a finished run of an older videovcreg (its settings.json has no settings_version 2), so it is not reused; use --force to replace it", older.Stderr);
            Assert.Equal(flat, File.ReadAllText(Path.Combine(protocolProbe, "settings.json")));

            var bad = CliProcess.Run("protocol", "transfer", "--regs", "none,magic,vcreg:sideways", "--seeds", "0", "--out", Path.Combine(work, "bad"));
            Assert.Equal(1, bad.ExitCode);
            Assert.Contains("--regs: 'magic' is not one of", bad.Stderr);
            Assert.Contains("'vcreg:sideways': the scaling must be one of paper, loss", bad.Stderr);
            Assert.Contains("--seeds must be in 1..100 (got 0)", bad.Stderr);
        }
        finally { Directory.Delete(work, true); }
    }

    [Fact]
    public void A_bad_probe_option_is_named_as_the_protocol_takes_it()
    {
        var r = CliProcess.Run("protocol", "hierarchical", "--probe-epochs", "0", "--out", Path.Combine(Path.GetTempPath(), $"never-{Guid.NewGuid():N}"));
        Assert.Equal(1, r.ExitCode);
        Assert.Equal(["videovcreg: --probe-epochs must be ≥ 1 (got 0)"], r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Hierarchical_pretrains_on_coarse_labels_and_probes_fine_ones()
    {
        var work = Directory.CreateTempSubdirectory("protocol-hier-").FullName;
        try
        {
            var data = Path.Combine(work, "data");
            SyntheticImages.Write(data, new SynthImageOptions(TrainPerClass: 20, TestPerClass: 5), AtomicFile.Write);
            var outDir = Path.Combine(work, "hier");
            var r = CliProcess.Run(["protocol", "hierarchical", "--data", $"cifar100:{Path.Combine(data, "source")}", "--regs", "vcreg:loss", "--seeds", "1", "--probe-epochs", "5", "--out", outDir, .. Small]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            using var counts = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "pretrain-vcreg-loss", "class_counts.json")));
            Assert.Equal("loss", SettingsFile.Spec(Path.Combine(outDir, "pretrain-vcreg-loss")).GetProperty("regularizer").GetProperty("scaling").GetString());
            Assert.Equal(4, counts.RootElement.GetArrayLength());                       // the coarse shapes
            var probe = ProbeReport.Read(Directory.GetDirectories(outDir, "probe-vcreg-loss-*").Single());
            Assert.Equal(16, probe.Classes);                                               // the fine classes
            Assert.Equal("adamw", probe.Solver);
            var row = Csv(Path.Combine(outDir, "hierarchical.csv")).Single();
            Assert.Equal(probe.TestTop1, double.Parse(row[^1], System.Globalization.CultureInfo.InvariantCulture));
        }
        finally { Directory.Delete(work, true); }
    }

    [Fact]
    public void Long_tail_thirds_count_the_classes_by_index()
    {
        // 6 classes: thirds {0,1}, {2,3}, {4,5}.
        var p = new List<VideoPrediction>();
        void Add(int label, int predicted) => p.Add(new VideoPrediction($"{p.Count}", label, predicted, 1, 1));
        Add(0, 0); Add(1, 1); Add(1, 0); Add(0, 0);          // many: 3 of 4
        Add(2, 2); Add(3, 0);                                  // medium: 1 of 2
        Add(4, 0); Add(5, 0); Add(5, 5);                       // few: 1 of 3
        Assert.Equal(0.75, ImageProtocols.ThirdAccuracy(p, 6, 0));
        Assert.Equal(0.5, ImageProtocols.ThirdAccuracy(p, 6, 1));
        Assert.Equal(1 / 3.0, ImageProtocols.ThirdAccuracy(p, 6, 2)!.Value, 12);
        Assert.Null(ImageProtocols.ThirdAccuracy(p, 9, 2));   // no test image of classes 6–8
    }
}
