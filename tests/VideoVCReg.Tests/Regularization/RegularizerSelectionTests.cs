using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VideoVCReg.Cli;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Models.Regularization;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Regularization;

/// <summary>The regularizer is chosen from configs/default.json, overridden by the command line.</summary>
public class RegularizerSelectionTests
{
    [Theory]
    [InlineData("vcreg", typeof(VcReg), true)]
    [InlineData("vcreg-naive", typeof(VcReg), false)]
    [InlineData("decov", typeof(DeCov), false)]
    [InlineData("wld-reg", typeof(WldReg), false)]
    public void Factory_builds_each_kind(string kind, Type type, bool fast)
    {
        var (reg, placement) = RegularizerFactory.Create(new RegularizerOptions { Kind = kind, Placement = "blocks", Weight = 0.25, Gamma = 3 });
        Assert.IsType(type, reg);
        Assert.Equal(Placement.Blocks, placement);
        switch (reg)
        {
            case VcReg v: Assert.Equal(fast, v.Fast); break;
            case DeCov d: Assert.Equal(0.25, d.Weight); break;
            case WldReg w: Assert.Equal(0.25, w.Weight); Assert.Equal(3, w.Gamma); break;
        }
    }

    [Fact]
    public void None_means_no_regularizer()
    {
        var (reg, placement) = RegularizerFactory.Create(new RegularizerOptions { Kind = "none" });
        Assert.Null(reg);
        Assert.Equal(Placement.None, placement);
    }

    [Fact]
    public void Every_problem_is_listed_in_one_message()
    {
        var e = Assert.Throws<ArgumentException>(() => RegularizerFactory.Create(
            new RegularizerOptions { Kind = "l2", Placement = "nowhere", Alpha = -1, SmoothL1Delta = 0 }));
        foreach (var part in new[] { "'l2'", "nowhere", "alpha", "SmoothL1Delta" }) Assert.Contains(part, e.Message);
    }

    [Fact]
    public void Command_line_overrides_the_configuration_file()
    {
        var parse = CliApp.BuildRoot().Parse(["bench", "vcreg", "--alpha", "3", "--smooth-l1", "0.05"]);
        Assert.Empty(parse.Errors);
        using var host = AppHost.Build(parse);
        var o = host.Services.GetRequiredService<IOptions<RegularizerOptions>>().Value;
        Assert.Equal(3.0, o.Alpha);           // typed
        Assert.Equal(0.05, o.SmoothL1Delta);  // typed
        Assert.Equal(0.1, o.Beta);            // configs/default.json
        Assert.Equal("head", o.Placement);    // configs/default.json
    }

    [Fact]
    public void Invalid_weights_fail_before_any_work_with_one_line()
    {
        var r = CliProcess.Run("bench", "vcreg", "--alpha", "-1");
        Assert.Equal(1, r.ExitCode);
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains("alpha (-1)", lines[0]);
    }

    [Fact]
    public void Bench_vcreg_json_has_the_ratios_of_every_variant()
    {
        var r = CliProcess.Run("bench", "vcreg", "--json", "--batch", "2", "--rounds", "1", "--networks", "vit_b_32", "--threads", "1");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = System.Text.Json.JsonDocument.Parse(r.Stdout);
        var vit = doc.RootElement.GetProperty("vit_b_32");
        Assert.Equal(12, vit.GetProperty("inserted_layers").GetInt32());
        foreach (var table in new[] { "ratios", "median_s", "layers_only_s", "layers_only_ratios" })
            foreach (var v in new[] { "identity", "naive", "fast", "bn" })
                Assert.True(vit.GetProperty(table).GetProperty(v).GetDouble() > 0, $"{table}.{v}");
        // Each printed ratio is that variant's median over identity's.
        var medians = vit.GetProperty("median_s");
        foreach (var v in new[] { "naive", "fast", "bn" })
            Assert.Equal(medians.GetProperty(v).GetDouble() / medians.GetProperty("identity").GetDouble(), vit.GetProperty("ratios").GetProperty(v).GetDouble(), 9);
        // The inserted VCReg layers cost something of their own, and the fast backward less than the naive one.
        var layers = vit.GetProperty("layers_only_s");
        Assert.True(layers.GetProperty("fast").GetDouble() > layers.GetProperty("identity").GetDouble());
        Assert.True(layers.GetProperty("naive").GetDouble() > layers.GetProperty("fast").GetDouble());
        // The fast backward's arithmetic: 12 sites of 2 × 50 tokens × 768 features, on the Gram path (n = 100 < d = 768): 4 n² d each.
        Assert.Equal(12 * 4.0 * 100 * 100 * 768 / 1e9, vit.GetProperty("fast_gflop").GetDouble(), 12);
        double peak = doc.RootElement.GetProperty("peak_gflops").GetDouble();
        Assert.True(peak > 0);
        // The share of peak on the layers' own time (less identity's, the timing harness), and with the harness kept in.
        Assert.Equal(vit.GetProperty("fast_gflop").GetDouble() / (layers.GetProperty("fast").GetDouble() - layers.GetProperty("identity").GetDouble()) / peak,
            vit.GetProperty("fast_layers_share_of_peak").GetDouble(), 9);
        Assert.Equal(vit.GetProperty("fast_gflop").GetDouble() / layers.GetProperty("fast").GetDouble() / peak,
            vit.GetProperty("fast_layers_share_of_peak_raw").GetDouble(), 9);
    }

    [Fact]
    public void Bench_vcreg_at_resnet50s_downsampling_layers_counts_their_exact_backward()
    {
        var r = CliProcess.Run("bench", "vcreg", "--json", "--batch", "2", "--rounds", "1", "--networks", "resnet50", "--sites", "downsample", "--threads", "1");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = System.Text.Json.JsonDocument.Parse(r.Stdout);
        var net = doc.RootElement.GetProperty("resnet50");
        Assert.Equal(3, net.GetProperty("inserted_layers").GetInt32());
        // layer2.0: n = 2·28² = 1568 > d = 512 (4nd²); layer3.0: n = 392 < 1024 and layer4.0: n = 98 < 2048 (Gram path, 4n²d).
        double expected = 4.0 * 1568 * 512 * 512 + 4.0 * 392 * 392 * 1024 + 4.0 * 98 * 98 * 2048;
        Assert.Equal(expected / 1e9, net.GetProperty("fast_gflop").GetDouble(), 12);
        var vit = CliProcess.Run("bench", "vcreg", "--networks", "vit_b_32", "--sites", "downsample", "--rounds", "1");
        Assert.Equal(1, vit.ExitCode);
        Assert.Contains("vit_b_32 has no downsample sites", vit.Stderr);
    }
}
