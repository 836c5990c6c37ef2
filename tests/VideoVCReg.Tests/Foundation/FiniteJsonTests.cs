using System.Text.Json;
using VideoVCReg.Eval;
using VideoVCReg.Experiment;
using VideoVCReg.FineTune;

namespace VideoVCReg.Tests.Foundation;

/// <summary>A diverged run's numbers (NaN, infinity) are written to its JSON files as null and read back as NaN; the write never fails.</summary>
public class FiniteJsonTests
{
    [Fact]
    public void Results_json_and_metrics_lines_write_a_non_finite_number_as_null_and_read_it_back_as_nan()
    {
        var dir = Directory.CreateTempSubdirectory("finite-json-").FullName;
        try
        {
            // Shaped as a fold's results.json; it was lost to "positive and negative infinity cannot be written" on every re-run.
            var predictions = new[] { new VideoPrediction("a", 0, 1, 1, double.NaN), new VideoPrediction("b", 1, 1, 1, 0.75) };
            var path = FoldResults.Write(dir, new { test = new { videos = 2, views = 1, top1 = 0.5, top5 = double.PositiveInfinity, mean_class_accuracy = double.NaN }, predictions });
            using (var doc = JsonDocument.Parse(File.ReadAllText(path)))
            {
                var test = doc.RootElement.GetProperty("test");
                Assert.Equal(JsonValueKind.Null, test.GetProperty("top5").ValueKind);
                Assert.Equal(JsonValueKind.Null, test.GetProperty("mean_class_accuracy").ValueKind);
                Assert.Equal(0.5, test.GetProperty("top1").GetDouble());
            }
            var back = FoldResults.Read(dir, 1).Tested!.Test;
            Assert.Equal(0.5, back.Top1);
            Assert.True(double.IsNaN(back.Top5) && double.IsNaN(back.MeanClassAccuracy) && double.IsNaN(back.Predictions[0].Confidence));
            Assert.Equal(0.75, back.Predictions[1].Confidence);

            var record = new EpochRecord(0, 1, 9, double.NaN, 0.5, 390.625, 1.0, new Dictionary<string, double> { ["vcreg_cov"] = double.NegativeInfinity },
                new Dictionary<string, double>(), null);
            var line = JsonSerializer.Serialize(record, Trainer.JsonOptions);
            Assert.Contains("\"train_loss\":null", line);
            Assert.Contains("\"vcreg_cov\":null", line);
            var read = JsonSerializer.Deserialize<EpochRecord>(line, Trainer.JsonOptions)!;
            Assert.True(double.IsNaN(read.TrainLoss) && double.IsNaN(read.Regularizer["vcreg_cov"]));
            Assert.Equal(390.625, read.LrMax);
        }
        finally { Directory.Delete(dir, true); }
    }
}
