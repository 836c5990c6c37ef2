using VideoVCReg.Cli.Commands;

namespace VideoVCReg.Tests.Experiment;

/// <summary>
/// `eval`, `probe` and `analyze` bind one spec each from their command line and the configuration layers, checked once:
/// every problem in one line before anything is read or built.
/// </summary>
[Collection(Support.ProcessEnvironmentCollection.Name)]   // binding reads VIDEOVCREG_*, which other tests of the collection set
public class VerbSpecTests
{
    [Fact]
    public void An_eval_spec_takes_the_data_section_and_names_every_problem_at_once()
    {
        var spec = EvalCommand.Bind(["--seed", "2", "eval", "--weights", "w.pth", "--data", "/d", "--test-clips", "3", "--batch-size", "4", "--out", "o"]);
        Assert.Equal(("w.pth", "/d", 3, 4, "o", 2L), (spec.Weights, spec.Data.Path, spec.Data.TestClips, spec.BatchSize, spec.OutDir, spec.Seed));
        var e = Assert.Throws<ArgumentException>(() => EvalCommand.Bind(["eval", "--weights", "w.pth", "--batch-size", "0", "--test-clips", "0"]));
        Assert.Equal("Data:TestClips and Data:TestCrops must be ≥ 1 (got 0, 3); eval needs --data (Data:Path): "
            + $"{VideoVCReg.Decoding.Datasets.DatasetSpec.Accepted}; --batch-size must be ≥ 1", e.Message);
    }

    [Fact]
    public void A_probe_spec_holds_the_solver_settings_and_names_every_problem_at_once()
    {
        var spec = ProbeCommand.Bind(["--seed", "7", "probe", "--arch", "resnet32", "--solver", "adamw", "--epochs", "3", "--workers", "1"]);
        Assert.Equal(("resnet32", "adamw", 3, 7, 1), (spec.Arch, spec.Probe.Solver, spec.Probe.Epochs, spec.Probe.Seed, spec.Workers));
        var e = Assert.Throws<ArgumentException>(() => ProbeCommand.Bind(["probe", "--arch", "resnet32", "--labels", "odd", "--solver", "sgd", "--lambdas", "0"]));
        Assert.Equal("--labels must be fine or coarse (got 'odd'); --solver must be lbfgs or adamw (got 'sgd'); --lambdas must be in [1, 1000] (got 0)", e.Message);
    }

    [Fact]
    public void An_analyze_spec_is_an_image_or_a_video_analysis_and_names_every_problem_at_once()
    {
        Assert.Equal("give one of --arch (an image backbone) or --model (a video preset)",
            Assert.Throws<ArgumentException>(() => AnalyzeCommand.Bind(["analyze", "--arch", "resnet32", "--model", "tiny"])).Message);
        var e = Assert.Throws<ArgumentException>(() => AnalyzeCommand.Bind(["analyze", "--arch", "resnet32", "--weights", "/no/a.pth", "/no/b.pth", "/no/a.pth"]));
        Assert.Equal("/no/a.pth: file not found; /no/b.pth: file not found; /no/a.pth: file not found; --weights names a file twice", e.Message);
        var video = AnalyzeCommand.Bind(["analyze", "--model", "tiny", "--split", "2", "--sampling-rate", "4"]);
        Assert.Equal(("tiny", "2", 4, (string?)null), (video.Model, video.VideoData.Split, video.VideoData.SamplingRate, video.Arch));
    }

    [Fact]
    public void A_protocol_spec_holds_its_protocols_options_and_names_every_problem_at_once()
    {
        var spec = ProtocolCommand.Bind(["--seed", "4", "protocol", "long-tail", "--regs", "none, vcreg:loss", "--seeds", "2", "--imbalance", "10", "--select-alpha", "0.32,0.64", "--out", "o"]);
        Assert.Equal(("long-tail", "long_tail", 10.0, 2, "lbfgs", 4L, "o"), (spec.Protocol, spec.TableName, spec.Imbalance, spec.Seeds, spec.Solver, spec.Seed, spec.OutDir));
        Assert.Equal(["none", "vcreg:loss"], spec.Regularizers);
        Assert.Equal([0.32, 0.64], spec.Selection().Alphas);
        var e = Assert.Throws<ArgumentException>(() => ProtocolCommand.Bind(["protocol", "long-tail", "--seeds", "0", "--imbalance", "0.5"]));
        Assert.Equal("--seeds must be in 1..100 (got 0); --imbalance must be a finite ratio ≥ 1 (got 0.5)", e.Message);
        var transfer = Assert.Throws<ArgumentException>(() => ProtocolCommand.Bind(["protocol", "transfer", "--select-alpha", "0.1,x", "--downstream", " , "]));
        Assert.Equal("--select-alpha: 'x' is not a number; --downstream names no set", transfer.Message);
    }
}
