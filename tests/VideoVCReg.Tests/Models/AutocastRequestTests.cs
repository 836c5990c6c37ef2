using VideoVCReg.Cli.Hosting;

namespace VideoVCReg.Tests.Models;

/// <summary>
/// Whether a command line will run autocast, decided before any tensor exists (the oneDNN cap must precede oneDNN's first
/// primitive): from every configuration layer the host reads, not only the typed option.
/// </summary>
public class AutocastRequestTests
{
    static readonly string[] Pretrain = ["pretrain", "--arch", "resnet32", "--epochs", "1"];

    [Fact]
    public void Typed_amp_and_bench_amp_ask_for_it_and_plain_commands_do_not()
    {
        Assert.True(AppHost.WantsAutocast([.. Pretrain, "--amp"]));
        Assert.True(AppHost.WantsAutocast([.. Pretrain, "--amp", "--amp-dtype", "float16"]));
        Assert.True(AppHost.WantsAutocast(["bench", "amp", "--networks", "resnet18"]));
        Assert.True(AppHost.WantsAutocast(["--threads", "2", "bench", "amp"]));
        // sweep has no --amp of its own: it hands the option on to the trials it runs in this process.
        Assert.True(AppHost.WantsAutocast(["sweep", "--out", "s", "--lr", "1e-3,1e-2", "--amp"]));
        Assert.False(AppHost.WantsAutocast(["sweep", "--out", "s", "--lr", "1e-3,1e-2"]));
        Assert.False(AppHost.WantsAutocast(Pretrain));
        Assert.False(AppHost.WantsAutocast(["bench", "vcreg"]));
        Assert.False(AppHost.WantsAutocast([]));
    }

    [Fact]
    public void A_configuration_file_turns_it_on_and_the_typed_option_still_wins()
    {
        var dir = Directory.CreateTempSubdirectory("amp-request-").FullName;
        try
        {
            var on = Path.Combine(dir, "on.json");
            File.WriteAllText(on, """{ "FineTune": { "Amp": true } }""");
            var off = Path.Combine(dir, "off.json");
            File.WriteAllText(off, """{ "fineTune": { "amp": "false" } }""");
            Assert.True(AppHost.WantsAutocast([.. Pretrain, "--config", on]));
            Assert.False(AppHost.WantsAutocast([.. Pretrain, "--config", off]));
            Assert.True(AppHost.WantsAutocast([.. Pretrain, "--config", off, "--amp"]));

            // `sweep DIR` resumes a plan written earlier: its trials' options decide, from sweep.json.
            var sweep = Path.Combine(dir, "sweep");
            Directory.CreateDirectory(sweep);
            var axes = new[] { new VideoVCReg.Experiment.Sweeps.SweepAxis("--alpha", ["1", "2"]) };
            File.WriteAllText(Path.Combine(sweep, "sweep.json"), new VideoVCReg.Experiment.Sweeps.SweepPlan("pretrain", [.. Pretrain[1..], "--amp"], axes).ToJson());
            Assert.True(AppHost.WantsAutocast(["sweep", sweep]));
            Assert.True(AppHost.WantsAutocast(["sweep", "--trial", "1", sweep]));
            // A new sweep (a grid, an --out) decides by its own options, even when a token that parses as DIR names a folder holding a plan.
            Assert.False(AppHost.WantsAutocast(["sweep", "--alpha", "1,2", sweep, "--out", Path.Combine(dir, "new")]));
            File.WriteAllText(Path.Combine(sweep, "sweep.json"), new VideoVCReg.Experiment.Sweeps.SweepPlan("pretrain", Pretrain[1..], axes).ToJson());
            Assert.False(AppHost.WantsAutocast(["sweep", sweep]));
            File.WriteAllText(Path.Combine(sweep, "sweep.json"), new VideoVCReg.Experiment.Sweeps.SweepPlan("pretrain", [.. Pretrain[1..], "--config", on], axes).ToJson());
            Assert.True(AppHost.WantsAutocast(["sweep", sweep]));
            // A hand-edited plan that runs a sweep of itself, or one that does not parse: no (the sweep then refuses it), not a stack overflow.
            File.WriteAllText(Path.Combine(sweep, "sweep.json"), new VideoVCReg.Experiment.Sweeps.SweepPlan("sweep", [sweep, "--amp"], axes).ToJson());
            Assert.False(AppHost.WantsAutocast(["sweep", sweep]));
            File.WriteAllText(Path.Combine(sweep, "sweep.json"), "{ \"verb\": ");
            Assert.False(AppHost.WantsAutocast(["sweep", sweep]));
            Assert.False(AppHost.WantsAutocast([.. Pretrain, "--config", on, "--amp", "false"]));

            // What does not load is no request, and no exception: the host reports it in one line afterwards.
            var broken = Path.Combine(dir, "broken.json");
            File.WriteAllText(broken, """{ "FineTune": { "Amp": tr""");
            Assert.False(AppHost.WantsAutocast([.. Pretrain, "--config", broken]));
            Assert.False(AppHost.WantsAutocast([.. Pretrain, "--config", Path.Combine(dir, "missing.json")]));
            var notBool = Path.Combine(dir, "notbool.json");
            File.WriteAllText(notBool, """{ "FineTune": { "Amp": "maybe" } }""");
            Assert.False(AppHost.WantsAutocast([.. Pretrain, "--config", notBool]));
            Assert.False(AppHost.WantsAutocast([.. Pretrain, "--no-such-option"]));
        }
        finally { Directory.Delete(dir, true); }
    }
}
