using System.Globalization;
using System.Text.Json;
using VideoVCReg.Experiment.Protocols;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Images;

/// <summary>
/// The protocols' α/β choice on a validation hold-out (the paper's grid search): every grid point's score must be its
/// run's last validation top-1, the seeded run must use the best point, and no selection run may touch the test set.
/// </summary>
public class GridSelectionTests
{
    [Fact]
    public void Best_is_the_highest_score_and_a_tie_goes_to_the_earlier_point()
    {
        Assert.Equal(2, GridSelection.Best([0.1, null, 0.5, 0.3]));
        Assert.Equal(1, GridSelection.Best([null, 0.4, 0.4]));
        Assert.Throws<InvalidOperationException>(() => GridSelection.Best([null, null]));
    }

    [Fact]
    public void Points_are_alpha_outer_beta_inner_and_an_empty_axis_keeps_the_rows_value()
    {
        Assert.Equal([(1.0, 0.1), (1.0, 0.2), (2.0, 0.1), (2.0, 0.2)], new GridSelection([1, 2], [0.1, 0.2]).Points(9, 9));
        Assert.Equal([(0.64, 0.01), (0.64, 0.02)], new GridSelection([], [0.01, 0.02]).Points(0.64, 0.04));
        Assert.Contains(new GridSelection([1, 1], [], 0.1).Problems(), p => p.Contains("twice"));
        Assert.Contains(new GridSelection([1], [], 1).Problems(), p => p.Contains("--select-share"));
        Assert.Contains(new GridSelection([double.NaN], []).Problems(), p => p.Contains("--select-alpha"));
        Assert.Contains(new GridSelection([.. Enumerable.Range(1, 101).Select(i => (double)i)], []).Problems(), p => p.Contains("101 points"));
    }

    static double LastValidation(string runDir, string metric)
    {
        var last = File.ReadAllLines(Path.Combine(runDir, "split1", "metrics.jsonl")).Last(l => l.Trim().Length > 0);
        using var doc = JsonDocument.Parse(last);
        return doc.RootElement.GetProperty("validation").GetProperty(metric).GetDouble();
    }

    [Fact]
    public void The_score_is_top1_unless_mean_class_is_asked_for()
    {
        Assert.Equal("top1", new GridSelection([1], []).Metric);
        Assert.Equal("mean_class_accuracy", new GridSelection([1], [], On: "mean-class").Metric);
        Assert.Contains(new GridSelection([1], [], On: "top5").Problems(), p => p.Contains("--select-on"));
    }

    /// <summary>The paper's criterion by default (§4.3, "validation set accuracy"); mean class accuracy only when asked for.</summary>
    [Theory]
    [InlineData(null, "top1")]
    [InlineData("mean-class", "mean_class_accuracy")]
    public void Long_tail_protocol_chooses_alpha_and_beta_on_the_hold_out_and_runs_the_seeds_with_them(string? selectOn, string metric)
    {
        var work = Directory.CreateTempSubdirectory("grid-select-").FullName;
        try
        {
            var data = Path.Combine(work, "fmnist");
            IdxTestFiles.WriteSet(data, train: 300, test: 200);
            var outDir = Path.Combine(work, "lt");
            string[] args = ["protocol", "long-tail", "--arch", "resnet32", "--data", $"idx:{data}#20", "--imbalance", "2", "--regs", "none,vcreg:loss",
                "--select-alpha", "0.32,0.64", "--select-beta", "0.01,0.16", "--select-share", "0.2", "--seeds", "1", "--seed", "3", "--epochs", "2", "--batch-size", "32", "--out", outDir];
            var r = CliProcess.Run(selectOn is null ? args : [.. args, "--select-on", selectOn]);
            Assert.True(r.ExitCode == 0, r.Stderr);

            var csv = File.ReadAllLines(Path.Combine(outDir, "selection-vcreg-loss.csv"));
            Assert.Equal($"alpha,beta,validation_{metric},chosen", csv[0]);
            var points = csv.Skip(1).Select(l => l.Split(',')).ToList();
            Assert.Equal([("0.32", "0.01"), ("0.32", "0.16"), ("0.64", "0.01"), ("0.64", "0.16")], points.Select(p => (p[0], p[1])));
            var scores = new List<double?>();
            foreach (var p in points)
            {
                var dir = Path.Combine(outDir, $"select-vcreg-loss-a{p[0]}-b{p[1]}");
                Assert.Equal(LastValidation(dir, metric), double.Parse(p[2], CultureInfo.InvariantCulture));
                scores.Add(double.Parse(p[2], CultureInfo.InvariantCulture));
                var spec = SettingsFile.Spec(dir);
                Assert.Equal(double.Parse(p[0], CultureInfo.InvariantCulture), spec.GetProperty("regularizer").GetProperty("alpha").GetDouble());
                Assert.Equal(double.Parse(p[1], CultureInfo.InvariantCulture), spec.GetProperty("regularizer").GetProperty("beta").GetDouble());
                Assert.Equal(0.2, spec.GetProperty("validation_share").GetDouble());
                // Chosen on validation only: the selection runs never score the test set.
                using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "split1", "results.json")));
                Assert.False(results.RootElement.TryGetProperty("test", out _));
            }
            int best = GridSelection.Best(scores);
            Assert.Equal(Enumerable.Range(0, points.Count).Select(i => i == best ? "1" : "0"), points.Select(p => p[3]));
            var seeded = SettingsFile.Spec(Path.Combine(outDir, "pretrain-vcreg-loss"));
            Assert.Equal(double.Parse(points[best][0], CultureInfo.InvariantCulture), seeded.GetProperty("regularizer").GetProperty("alpha").GetDouble());
            Assert.Equal(double.Parse(points[best][1], CultureInfo.InvariantCulture), seeded.GetProperty("regularizer").GetProperty("beta").GetDouble());
            Assert.Equal(0, seeded.GetProperty("validation_share").GetDouble());
            // The baseline row has no weights to choose: no selection runs for it.
            Assert.Empty(Directory.GetDirectories(outDir, "select-none*"));
            Assert.Contains($"α{points[best][0]} β{points[best][1]}", File.ReadAllText(Path.Combine(outDir, "long_tail.md")));
            Assert.Contains("chosen on a 20 % validation hold-out", File.ReadAllText(Path.Combine(outDir, "long_tail.md")));
        }
        finally { Directory.Delete(work, true); }
    }
}
