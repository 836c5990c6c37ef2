using System.Text.Json;
using System.Text.RegularExpressions;
using VideoVCReg.Decoding;
using VideoVCReg.Decoding.Datasets;
using VideoVCReg.Decoding.Synthetic;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Decoding;

/// <summary>The four dataset layouts end to end: the same synthetic videos written in each, read through `--data LAYOUT:DIR`.</summary>
public partial class DatasetLayoutTests
{
    static readonly DatasetLayout[] Layouts = [DatasetLayout.Hmdb51, DatasetLayout.Ucf101, DatasetLayout.Kinetics, DatasetLayout.List];

    /// <summary>The synthetic video a prediction is of: its class and its index in the class, from each layout's naming.</summary>
    static (int Label, int Video) Key(JsonElement p)
    {
        var id = p.GetProperty("video_id").GetString()!;
        var m = VideoIndex().Match(id);
        Assert.True(m.Success, id);
        int v = m.Groups["ucf"].Success ? int.Parse(m.Groups["ucf"].Value) - 1 : int.Parse(m.Groups["v"].Value);
        return (p.GetProperty("label").GetInt32(), v);
    }

    [GeneratedRegex(@"_(?<v>\d{3})\.(avi|mp4)$|_g(?<ucf>\d{2})_c01\.avi$|-(?<v>\d{3})xx_")]
    private static partial Regex VideoIndex();

    [Fact]
    public void Every_layout_trains_and_tests_to_the_same_per_video_predictions()
    {
        var work = Directory.CreateTempSubdirectory("videovcreg-layouts-").FullName;
        try
        {
            var presets = Path.Combine(work, "tiny.json");
            File.WriteAllText(presets, FineTune.FineTuneCliTests.TinyPreset);
            var byLayout = new Dictionary<DatasetLayout, List<((int, int) Key, int Predicted, double Confidence)>>();
            foreach (var layout in Layouts)
            {
                var name = DatasetSpec.Name(layout);
                var dir = Path.Combine(work, name);
                // Lossless: each layout's containers (WebM, edit-list-trimmed MP4, AVI) decode to the same pixels, so any
                // difference in the predictions comes from how the layout was read (labels, order, which frames).
                SyntheticDataset.Write(dir, new SynthOptions(3, 4, Seed: 11, Mp4Every: 4, Layout: layout, Lossless: true));
                var outDir = Path.Combine(work, "run-" + name);
                var r = CliProcess.Run("finetune", "--presets", presets, "--model", "tiny", "--data", $"{name}:{dir}", "--out", outDir,
                    "--epochs", "2", "--warmup-epochs", "1", "--lr", "0.05", "--batch-size", "2", "--workers", "1", "--val-share", "0",
                    "--test-clips", "2", "--test-crops", "1", "--threads", "1");
                Assert.True(r.ExitCode == 0, $"{name}: {r.Stderr}");
                Assert.Contains($"{name}:{dir} split 1: 0 of 9 train and 0 of 3 test videos missing", r.Stderr);
                using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "split1", "results.json")));
                byLayout[layout] = [.. results.RootElement.GetProperty("predictions").EnumerateArray()
                    .Select(p => (Key(p), p.GetProperty("predicted").GetInt32(), p.GetProperty("confidence").GetDouble())).OrderBy(p => p.Item1)];
            }
            var reference = byLayout[DatasetLayout.Hmdb51];
            Assert.Equal(3, reference.Count);
            Assert.Equal([0, 1, 2], reference.Select(p => p.Key.Item1));
            // Bit-identical: the same clips, in the same order, under the same labels, through the same seeded training.
            foreach (var layout in Layouts.Skip(1)) Assert.Equal(reference, byLayout[layout]);
        }
        finally { Directory.Delete(work, true); }
    }
}
