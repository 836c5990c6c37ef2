using System.Text.Json;
using VideoVCReg.Decoding.Images;
using VideoVCReg.Eval;
using VideoVCReg.Experiment.Probe;
using VideoVCReg.Experiment.Protocols;
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

    [Fact]
    public void Transfer_pretrains_with_and_without_vcreg_probes_each_and_reuses_finished_runs()
    {
        var work = Directory.CreateTempSubdirectory("protocol-transfer-").FullName;
        try
        {
            var data = Path.Combine(work, "data");
            SyntheticImages.Write(data, new SynthImageOptions(TrainPerClass: 20, TestPerClass: 5));
            var outDir = Path.Combine(work, "transfer");
            string[] args = ["protocol", "transfer", "--data", $"cifar100:{Path.Combine(data, "source")}", "--downstream", $"cifar10:{Path.Combine(data, "downstream")}",
                "--lambdas", "9", "--out", outDir, .. Small];
            var r = CliProcess.Run(args);
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Contains("| pretraining |", r.Stdout);

            var rows = Csv(Path.Combine(outDir, "transfer.csv"));
            Assert.Equal(2, rows.Count);
            Assert.Equal("resnet32 / no regularizer", rows[0][0]);
            Assert.Equal("resnet32 / vcreg α0.64 β0.04 at blocks", rows[1][0]);   // the preset's α and β (configs/images.json), not the video default
            var probeDirs = Directory.GetDirectories(outDir, "probe-*").Order().ToList();
            Assert.Equal(2, probeDirs.Count);
            foreach (var (reg, row) in new[] { "none", "vcreg" }.Zip(rows))
            {
                Assert.Equal(MeanTop1(Path.Combine(outDir, $"pretrain-{reg}")), double.Parse(row[^2], System.Globalization.CultureInfo.InvariantCulture));
                var probe = ProbeReport.Read(probeDirs.Single(d => Path.GetFileName(d).StartsWith($"probe-{reg}-")));
                Assert.Equal(probe.TestTop1, double.Parse(row[^1], System.Globalization.CultureInfo.InvariantCulture));
                // The probe read the backbone this pretraining wrote.
                Assert.Equal(Path.Combine(outDir, $"pretrain-{reg}", "split1", "checkpoint-last.pth"), ((JsonElement)probe.Settings["weights"]!).GetString());
                Assert.Equal(8, probe.Classes);
            }
            var vcregRun = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "pretrain-vcreg", "settings.json"))).RootElement;
            Assert.Equal("blocks", vcregRun.GetProperty("regularizer").GetProperty("Placement").GetString());

            // `report` on the probe folders: the same table without the source column, rows named from the pretraining runs.
            var reportDir = Path.Combine(work, "report");
            var rep = CliProcess.Run(["report", .. probeDirs, "--out", reportDir]);
            Assert.True(rep.ExitCode == 0, rep.Stderr);
            var reported = Csv(Path.Combine(reportDir, "transfer.csv"));
            Assert.Equal(rows.Select(r => (r[0], r[^1])), reported.Select(r => (r[0], r[^1])));

            var before = File.ReadAllText(Path.Combine(outDir, "transfer.csv"));
            var again = CliProcess.Run(args);
            Assert.True(again.ExitCode == 0, again.Stderr);
            Assert.Contains("reusing it", again.Stderr);
            Assert.DoesNotContain("epoch 1/1", again.Stderr);
            Assert.Equal(before, File.ReadAllText(Path.Combine(outDir, "transfer.csv")));

            var bad = CliProcess.Run("protocol", "transfer", "--regs", "none,magic", "--out", Path.Combine(work, "bad"));
            Assert.Equal(1, bad.ExitCode);
            Assert.Contains("--regs: 'magic' is not one of", bad.Stderr);
        }
        finally { Directory.Delete(work, true); }
    }

    [Fact]
    public void Hierarchical_pretrains_on_coarse_labels_and_probes_fine_ones()
    {
        var work = Directory.CreateTempSubdirectory("protocol-hier-").FullName;
        try
        {
            var data = Path.Combine(work, "data");
            SyntheticImages.Write(data, new SynthImageOptions(TrainPerClass: 20, TestPerClass: 5));
            var outDir = Path.Combine(work, "hier");
            var r = CliProcess.Run(["protocol", "hierarchical", "--data", $"cifar100:{Path.Combine(data, "source")}", "--regs", "vcreg", "--probe-epochs", "5", "--out", outDir, .. Small]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            using var counts = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "pretrain-vcreg", "class_counts.json")));
            Assert.Equal(4, counts.RootElement.GetArrayLength());                       // the coarse shapes
            var probe = ProbeReport.Read(Directory.GetDirectories(outDir, "probe-vcreg-*").Single());
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
