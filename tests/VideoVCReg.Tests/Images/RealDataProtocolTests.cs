using System.Globalization;
using System.Text.Json;
using VideoVCReg.Eval;
using VideoVCReg.Experiment.Probe;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Images;

/// <summary>
/// Table 5's protocol on real data, tiny: 240 training and 400 test images of Debian's Fashion-MNIST (cut from its test file
/// as an idx:DIR set, with the garment groups as DIR/coarse_labels.json), one epoch, two seeds. The table's every number
/// must be the number its run wrote, and the paired difference must be computed from them.
/// </summary>
public class RealDataProtocolTests
{
    static double Number(string v) => double.Parse(v, CultureInfo.InvariantCulture);

    static double Top1(string runDir)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(runDir, "report.json")));
        return doc.RootElement.GetProperty("mean").GetProperty("top1").GetDouble();
    }

    [Fact]
    public void Hierarchical_on_fashion_mnist_coarse_labels_then_fine_probe_over_two_seeds()
    {
        var work = Directory.CreateTempSubdirectory("real-hier-").FullName;
        try
        {
            var data = Path.Combine(work, "fmnist");
            IdxTestFiles.WriteSet(data, train: 240, test: 400);
            // Fashion-MNIST's garment groups by label number (idx: names classes by their labels).
            File.WriteAllText(Path.Combine(data, "coarse_labels.json"), """
                { "source": "Fashion-MNIST's labels grouped as configs/labels/fashion-mnist-coarse.json groups them",
                  "coarse": { "tops": ["0", "2", "4", "6"], "bottoms and dresses": ["1", "3"], "footwear": ["5", "7", "9"], "bags": ["8"] } }
                """);
            var (train, test) = VideoVCReg.Decoding.Images.IdxFolder.Read(data, null);
            int[] group = [0, 1, 0, 1, 0, 2, 0, 2, 3, 2];
            var outDir = Path.Combine(work, "hier");
            var r = CliProcess.Run("protocol", "hierarchical", "--arch", "resnet32", "--data", $"idx:{data}", "--regs", "none,vcreg:loss",
                "--seeds", "2", "--seed", "7", "--epochs", "1", "--batch-size", "32", "--probe-epochs", "2", "--out", outDir);
            Assert.True(r.ExitCode == 0, r.Stderr);

            var lines = File.ReadAllLines(Path.Combine(outDir, "hierarchical.csv"));
            Assert.Equal("pretraining,seed,coarse (pretraining test),fine (probe)", lines[0]);
            var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
            Assert.Equal(["resnet32 / no regularizer", "resnet32 / no regularizer", "resnet32 / vcreg α0.64 β0.04 loss-scaled at blocks", "resnet32 / vcreg α0.64 β0.04 loss-scaled at blocks"],
                rows.Select(x => x[0]));
            foreach (var (row, (folder, seed)) in rows.Zip(new[] { ("none", 7), ("none", 8), ("vcreg-loss", 7), ("vcreg-loss", 8) }))
            {
                Assert.Equal(seed.ToString(CultureInfo.InvariantCulture), row[1]);
                var pretrain = Path.Combine(outDir, $"pretrain-{folder}-seed{seed}");
                Assert.Equal(Top1(pretrain), Number(row[2]));
                using (var counts = JsonDocument.Parse(File.ReadAllText(Path.Combine(pretrain, "class_counts.json"))))
                {
                    // The four garment groups, counted from the files' own labels.
                    Assert.Equal(Enumerable.Range(0, 4).Select(g => train.Labels.Count(l => group[l] == g)), counts.RootElement.EnumerateArray().Select(c => c.GetProperty("train").GetInt32()));
                    Assert.Equal(Enumerable.Range(0, 4).Select(g => test.Labels.Count(l => group[l] == g)), counts.RootElement.EnumerateArray().Select(c => c.GetProperty("test").GetInt32()));
                }
                var probe = ProbeReport.Read(Directory.GetDirectories(outDir, $"probe-{folder}-seed{seed}-*").Single());
                Assert.Equal(probe.TestTop1, Number(row[3]));
                Assert.Equal(10, probe.Classes);
                Assert.Equal("adamw", probe.Solver);
            }
            Assert.Equal("loss", SettingsFile.Spec(Path.Combine(outDir, "pretrain-vcreg-loss-seed7")).GetProperty("regularizer").GetProperty("scaling").GetString());

            var summary = File.ReadAllLines(Path.Combine(outDir, "hierarchical_summary.csv")).Skip(1).Select(l => l.Split(',')).ToList();
            var diff = SeedStatistics.Paired([Number(rows[2][3]), Number(rows[3][3])], [Number(rows[0][3]), Number(rows[1][3])]);
            var line = summary.Single(x => x[0] == rows[2][0] && x[1] == "diff_mean");
            Assert.Equal(diff.Mean, Number(line[3]), 12);
            Assert.Equal(diff.High!.Value, Number(summary.Single(x => x[0] == rows[2][0] && x[1] == "diff_ci95_high")[3]), 12);
        }
        finally { Directory.Delete(work, true); }
    }
}
