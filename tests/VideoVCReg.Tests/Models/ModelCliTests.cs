using System.Text.Json;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Models;

/// <summary>The model verbs, run as a user runs them.</summary>
public class ModelCliTests
{
    static string SmallPresets()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("vvcreg-cli-").FullName, "presets.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["fixture-small"] = JsonSerializer.Deserialize<JsonElement>(ModelFixtures.Small().ToJson()),
        }));
        return path;
    }

    [Fact]
    public void Models_lists_every_preset_with_parameter_count_and_input_shape()
    {
        var r = CliProcess.Run("models");
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"videomae-s\s+22\.0M\s+\[3,16,224,224\]", r.Stdout);
        Assert.Matches(@"videomae-b\s+86\.\dM", r.Stdout);
        Assert.Matches(@"vivit-b\s+89\.\dM\s+\[3,32,224,224\]", r.Stdout);
        Assert.Contains("videomaev2-s", r.Stdout);
        Assert.Contains("videomaev2-b", r.Stdout);
    }

    [Fact]
    public void Inspect_names_the_layout_and_counts_keys()
    {
        var r = CliProcess.Run("inspect", ModelFixtures.File("hf_videomae_shared_storage.bin"));
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("layout  HfVideoMae", r.Stdout);
        Assert.Matches(@"keys\s+\d+", r.Stdout);
        Assert.Contains("videomae.encoder.layer.1.attention.attention.value.weight  [32, 32]", r.Stdout);
    }

    [Fact]
    public void Predict_json_prints_one_object_with_pytorchs_logits()
    {
        var r = CliProcess.Run("predict", "--model", "fixture-small", "--presets", SmallPresets(),
            "--weights", ModelFixtures.File("videomae_official.pth"), "--clip", ModelFixtures.File("clip0.npy"), "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout); // exactly one JSON document, nothing else on stdout
        var logits = doc.RootElement.GetProperty("logits").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        using var expected = ModelFixtures.Npy("videomae_official.logits.npy");
        var want = expected[0].data<float>().ToArray();
        Assert.Equal(want.Length, logits.Length);
        for (int i = 0; i < want.Length; i++) Assert.True(Math.Abs(want[i] - logits[i]) <= 1e-4, $"logit {i}: {logits[i]} vs {want[i]}");
    }

    [Fact]
    public void Predict_with_a_checkpoint_that_does_not_fit_is_one_line_exit_1()
    {
        var r = CliProcess.Run("predict", "--model", "videomae-s", "--weights", ModelFixtures.File("videomae_official.pth"),
            "--clip", ModelFixtures.File("clip0.npy"));
        Assert.Equal(1, r.ExitCode);
        var line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("videomae_official.pth", line);
        Assert.Contains("does not fit model videomae-s", line);
    }

    /// <summary>A FIFO as --classes would block the read forever: it is named before anything opens it.</summary>
    [Fact]
    public void Predict_with_a_fifo_as_class_names_is_one_line_exit_1()
    {
        var dir = Directory.CreateTempSubdirectory("predict-fifo-").FullName;
        try
        {
            var fifo = Path.Combine(dir, "names.txt");
            using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo])!) { mkfifo.WaitForExit(); Assert.Equal(0, mkfifo.ExitCode); }
            var r = CliProcess.Run("predict", "--model", "videomae-s", "--clip", ModelFixtures.File("clip0.npy"), "--classes", fifo);
            Assert.Equal(1, r.ExitCode);
            Assert.Equal($"videovcreg: {fifo}: is a FIFO (named pipe), not a class-names file", r.Stderr.Trim());
        }
        finally { Directory.Delete(dir, true); }
    }
}
