using System.Text.Json;
using VideoVCReg.Eval;

namespace VideoVCReg.Tests.Eval;

public class SplitReportTests
{
    static EvalResult Result(double top1, double top5) => new(10, 300, top1, top5, top1, []);

    [Fact]
    public void Report_gives_every_split_and_the_mean_with_its_spread()
    {
        var dir = Directory.CreateTempSubdirectory("report-").FullName;
        try
        {
            var splits = new[]
            {
                new SplitOutcome(1, Result(0.60, 0.90), [2.0, 1.5], [0.3, 0.5]),
                new SplitOutcome(2, Result(0.70, 0.95), [2.1, 1.4], [null, null]),
                new SplitOutcome(3, Result(0.80, 1.00), [1.9, 1.2], [0.4, 0.6]),
            };
            var summary = SplitReport.Write(dir, "test run", splits);
            Assert.Equal(0.70, summary.Top1, 12);
            Assert.Equal(0.10, summary.Top1Std, 12);              // sample std of 0.6, 0.7, 0.8
            Assert.Equal(0.95, summary.Top5, 12);
            var md = File.ReadAllText(Path.Combine(dir, "report.md"));
            Assert.Contains("| 2 | 10 | 300 | 70.0 | 95.0 | 70.0 |", md);
            Assert.Contains("| mean | | | 70.0 ± 10.0 | 95.0 ± 5.0 | 70.0 ± 10.0 |", md);
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "report.json")));
            Assert.Equal(3, json.RootElement.GetProperty("splits").GetArrayLength());
            foreach (var png in new[] { "test_accuracy.png", "training_curves.png" })
            {
                var bytes = File.ReadAllBytes(Path.Combine(dir, png));
                Assert.True(bytes.Length > 1000 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G', $"{png} is not a PNG");
            }
            Assert.Empty(Directory.GetFiles(dir, "*.partial*"));
        }
        finally { Directory.Delete(dir, true); }
    }
}
