using System.Text.Json;
using VideoVCReg.Decoding;
using VideoVCReg.Models.Checkpoints;
using VideoVCReg.Tests.Support;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Models;

/// <summary>`predict --video`: a real encoded video through the test transform and a small real checkpoint.</summary>
public class PredictVideoTests
{
    [Fact]
    public void Predict_video_runs_the_centre_view_and_names_the_top_five_classes()
    {
        var dir = Directory.CreateTempSubdirectory("videovcreg-predict-").FullName;
        try
        {
            var small = ModelFixtures.Small();   // 4 frames, 16², 5 classes
            var video = Path.Combine(dir, "clip.avi");
            FfmpegCli.Run("-f", "lavfi", "-i", "testsrc2=size=32x24:rate=30:duration=2", "-c:v", "mpeg4", "-q:v", "3", video);
            var presets = Path.Combine(dir, "presets.json");
            File.WriteAllText(presets, JsonSerializer.Serialize(new Dictionary<string, object> { ["fixture-small"] = JsonSerializer.Deserialize<JsonElement>(small.ToJson()) }));
            var names = Path.Combine(dir, "names.txt");
            string[] classNames = ["archery", "bowling", "climbing", "diving", "eating"];
            File.WriteAllLines(names, classNames);
            var weights = ModelFixtures.File("videomae_official.pth");

            var r = CliProcess.Run("predict", "--model", "fixture-small", "--presets", presets, "--weights", weights, "--video", video, "--classes", names, "--json");
            Assert.True(r.ExitCode == 0, r.Stderr);
            using var doc = JsonDocument.Parse(r.Stdout);
            var logits = doc.RootElement.GetProperty("logits").EnumerateArray().Select(e => e.GetSingle()).ToArray();

            // The expected input, built by hand: 60 frames at rate 4 give 15 strided frames; the centred 4 start at
            // (15 - 4) / 2 = 5. Short side 24 → 16 makes 21×16; the centre crop's left edge is round(2.5) = 2.
            using var reader = VideoReader.Open(video, new VideoReaderOptions(ShortSide: 16));
            Assert.Equal(60, reader.Info.Frames);
            Assert.Equal((21, 16), (reader.OutputWidth, reader.OutputHeight));
            using var clip = reader.ReadClip([20, 24, 28, 32]);
            using var crop = clip.narrow(3, 2, 16);
            using var mean = tensor(new[] { 0.485f, 0.456f, 0.406f }).view(3, 1, 1, 1);
            using var std = tensor(new[] { 0.229f, 0.224f, 0.225f }).view(3, 1, 1, 1);
            using var x = ((crop - mean) / std).unsqueeze(0);
            var loaded = PretrainedLoader.Load(small, weights);
            using var net = loaded.Model;
            net.eval();
            float[] expected;
            using (no_grad()) expected = net.call(x).squeeze(0).data<float>().ToArray();
            Assert.Equal(expected.Length, logits.Length);
            for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - logits[i]) <= 1e-4, $"logit {i}: {logits[i]} vs {expected[i]}");

            var top = doc.RootElement.GetProperty("top5").EnumerateArray().ToArray();
            Assert.Equal(5, top.Length);
            int best = Array.IndexOf(expected, expected.Max());
            Assert.Equal(best, top[0].GetProperty("index").GetInt32());
            Assert.Equal(classNames[best], top[0].GetProperty("name").GetString());

            var text = CliProcess.Run("predict", "--model", "fixture-small", "--presets", presets, "--weights", weights, "--video", video, "--classes", names);
            Assert.True(text.ExitCode == 0, text.Stderr);
            Assert.Contains(classNames[best], text.Stdout.Split('\n')[1]);

            // Names of another label set (four for a five-class head) would print wrong names: one line naming the file.
            var four = Path.Combine(dir, "four.txt");
            File.WriteAllLines(four, classNames[..4]);
            var wrong = CliProcess.Run("predict", "--model", "fixture-small", "--presets", presets, "--weights", weights, "--video", video, "--classes", four);
            Assert.Equal(1, wrong.ExitCode);
            var line = Assert.Single(wrong.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains($"{four}: 4 class names, but the model's head has 5 classes", line);
        }
        finally { Directory.Delete(dir, true); }
    }
}
