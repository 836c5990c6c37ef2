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

/// <summary>The layouts' own kinds of file, as `data synth` writes them without --lossless.</summary>
public class SyntheticLayoutFileTests
{
    [Fact]
    public void Ucf101_and_kinetics_layouts_hold_their_real_kinds_of_file_with_the_same_frames()
    {
        var work = Directory.CreateTempSubdirectory("videovcreg-layoutfiles-").FullName;
        try
        {
            SynthOptions Options(DatasetLayout layout) => new(2, 2, Seed: 5, Layout: layout);
            SyntheticDataset.Write(Path.Combine(work, "h"), Options(DatasetLayout.Hmdb51));
            SyntheticDataset.Write(Path.Combine(work, "u"), Options(DatasetLayout.Ucf101));
            SyntheticDataset.Write(Path.Combine(work, "k"), Options(DatasetLayout.Kinetics));
            static IEnumerable<ListedVideo> All(SplitListing l) => l.Train.Concat(l.Test).OrderBy(v => v.Label).ThenBy(v => v.Id, StringComparer.Ordinal);
            var reference = All(SplitListing.Read(new DatasetSpec(DatasetLayout.Hmdb51, Path.Combine(work, "h")), 1)).ToList();
            var ucf = All(SplitListing.Read(new DatasetSpec(DatasetLayout.Ucf101, Path.Combine(work, "u")), 1)).ToList();
            var kinetics = All(SplitListing.Read(new DatasetSpec(DatasetLayout.Kinetics, Path.Combine(work, "k")), 1)).ToList();
            for (int i = 0; i < reference.Count; i++)
            {
                int frames = Info(reference[i].Path).Frames;
                var u = Info(ucf[i].Path);
                // XviD: MPEG-4 part 2 with B-frames. libxvid under ffmpeg 5.1 loses the last frame or two of the stream
                // (the ffmpeg CLI decodes the same count), so the count is the CLI's, not the source's.
                Assert.Equal(("mpeg4", Support.FfmpegCli.CountDecodedFrames(ucf[i].Path)), (u.Codec, u.Frames));
                Assert.InRange(u.Frames, frames - 2, frames);
                var k = Info(kinetics[i].Path);
                Assert.Equal(frames, k.Frames);                           // the trimmed MP4's edit list hides its pre-roll
                if (kinetics[i].Path.EndsWith(".webm")) Assert.Equal("vp9", k.Codec);
                else Assert.True(k.ContainerFrames > frames, $"{kinetics[i].Path}: the pre-roll packets are in the file ({k.ContainerFrames} listed)");
            }
            Assert.Contains(kinetics, v => v.Path.EndsWith(".mp4"));
            Assert.Contains(kinetics, v => v.Path.EndsWith(".webm"));
            // libxvid wrote it, with B-frames: its user data names it, and a B-VOP (coding type 2) follows a VOP start code.
            var avi = File.ReadAllBytes(ucf[0].Path);
            Assert.True(Find(avi, "XviD"u8) >= 0, "no XviD user data");
            Assert.Contains(Enumerable.Range(0, avi.Length - 4), p => avi[p] == 0 && avi[p + 1] == 0 && avi[p + 2] == 1 && avi[p + 3] == 0xB6 && avi[p + 4] >> 6 == 2);
            // Intact files: `data check` must not call the edit-list trims or the B-frame AVIs truncated (issue 27, D4).
            foreach (var (layout, dir) in new[] { ("ucf101", "u"), ("kinetics", "k") })
            {
                var check = Support.CliProcess.Run("data", "check", $"{layout}:{Path.Combine(work, dir)}");
                Assert.True(check.ExitCode == 0, $"{layout}: {check.Stdout}{check.Stderr}");
                Assert.StartsWith("ok:", check.Stdout.Trim().Split('\n').Last());
            }
        }
        finally { Directory.Delete(work, true); }
    }

    static VideoInfo Info(string path)
    {
        using var reader = VideoReader.Open(path);
        return reader.Info;
    }

    static int Find(byte[] data, ReadOnlySpan<byte> what) => data.AsSpan().IndexOf(what);
}
