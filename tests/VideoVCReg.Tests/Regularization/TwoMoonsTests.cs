using System.Text.Json;
using TorchSharp;
using VideoVCReg.Experiment.Demos;
using VideoVCReg.Models.Regularization;
using VideoVCReg.Models.Toy;
using VideoVCReg.Tests.Support;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Regularization;

/// <summary>The two-moons demonstration: its data, spectral decoupling's penalty, and the command end to end.</summary>
[Collection(GlobalRngCollection.Name)]
public class TwoMoonsTests
{
    [Fact]
    public void Moons_lie_on_their_arcs_with_the_margin_between_them()
    {
        var (x, y) = TwoMoons.Data(400, margin: 1.0, noise: 0, seed: 3);
        var p = x.data<float>().ToArray();
        var labels = y.data<long>().ToArray();
        Assert.Equal(200, labels.Count(l => l == 0));
        for (int i = 0; i < labels.Length; i++)
        {
            double px = p[2 * i], py = p[2 * i + 1];
            // Upper arc about (0, m/2), lower arc about (1, 0.5 − m/2), radius 1.
            var (cx, cy) = labels[i] == 0 ? (0.0, 0.5) : (1.0, 0.0);
            Assert.Equal(1.0, Math.Sqrt((px - cx) * (px - cx) + (py - cy) * (py - cy)), 5);
            // With margin 1 the line y = 0.25 separates them: the upper arc is at y ≥ 0.5, the lower at y ≤ 0.
            Assert.True(labels[i] == 0 ? py >= 0.5 - 1e-6 : py <= 1e-6);
        }
        var (shifted, _) = TwoMoons.Data(400, margin: -0.3, noise: 0, seed: 3);
        // The same draws, moved together by the margin difference: the test moons interleave.
        Assert.True((shifted - x).abs().max().ToDouble() <= 0.65 + 1e-6);
    }

    [Fact]
    public void Spectral_decoupling_adds_half_lambda_times_the_mean_squared_logit_norm()
    {
        manual_seed(4);
        using var model = new ThreeLayerMlp(2, 16, 2);
        var sd = new SpectralDecoupling((TorchSharp.Modules.Linear)model.HeadInput, 0.3);
        using var x = randn(8, 2);
        using (AttachedRegularizer.Attach(model, sd, Placement.Head))
        {
            model.train();
            using var logits = model.call(x.requires_grad_(true));
            using var loss = sd.TakeLoss()!;
            double expected = 0.5 * 0.3 * logits.pow(2).sum(1).mean().ToDouble();
            Assert.Equal(expected, loss.ToDouble(), 6);
            loss.backward();
            Assert.True(((TorchSharp.Modules.Linear)model.HeadInput).weight!.grad!.abs().sum().ToDouble() > 0, "no gradient reaches the head");
        }
    }

    [Fact]
    public void Demo_trains_every_method_over_the_seeds_and_writes_the_figure()
    {
        var dir = Directory.CreateTempSubdirectory("moons-").FullName;
        try
        {
            var r = CliProcess.Run("demo", "two-moons", "--seeds", "2", "--epochs", "3", "--out", dir);
            Assert.True(r.ExitCode == 0, r.Stderr);
            var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "two_moons.json"))).RootElement.GetProperty("results").EnumerateArray().ToList();
            Assert.Equal(TwoMoons.Methods, results.Select(e => e.GetProperty("method").GetString()));
            foreach (var e in results)
            {
                var perSeed = e.GetProperty("test_per_seed").EnumerateArray().Select(v => v.GetDouble()).ToList();
                Assert.Equal(2, perSeed.Count);
                Assert.Equal(perSeed.Average(), e.GetProperty("test_mean").GetDouble(), 12);
                Assert.Contains($"| {e.GetProperty("method").GetString()} |", r.Stdout);
            }
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(Path.Combine(dir, "two_moons.png"))[..4]);
            // Seeded throughout: the same command gives the same numbers.
            var again = CliProcess.Run("demo", "two-moons", "--seeds", "2", "--epochs", "3", "--out", Path.Combine(dir, "again"));
            Assert.True(again.ExitCode == 0, again.Stderr);
            Assert.Equal(r.Stdout.Split('\n').Take(8), again.Stdout.Split('\n').Take(8));
        }
        finally { Directory.Delete(dir, true); }
    }
}
