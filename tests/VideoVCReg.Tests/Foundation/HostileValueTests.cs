using VideoVCReg.Experiment.Video;
using VideoVCReg.FineTune;
using VideoVCReg.Models;
using VideoVCReg.Runtime.IO;
using VideoVCReg.Models.Regularization;

namespace VideoVCReg.Tests.Foundation;

/// <summary>
/// Values that once went through unchecked (found by a hostile-user pass): NaN and infinite options, preset fields, .npy
/// headers. Each is refused where it is read, naming the option or file, instead of surfacing later as a libtorch error,
/// a JSON writer's complaint or the kernel's OOM killer.
/// </summary>
public class HostileValueTests
{
    [Theory]
    [InlineData("alpha", double.NaN)]
    [InlineData("beta", double.PositiveInfinity)]
    [InlineData("eps", double.NaN)]
    [InlineData("delta", double.NaN)]
    [InlineData("weight", double.NaN)]
    [InlineData("gamma", double.NegativeInfinity)]
    public void Non_finite_regularizer_settings_are_problems(string which, double value)
    {
        var good = new RegularizerOptions { Kind = which is "weight" or "gamma" ? "wld-reg" : "vcreg" };
        Assert.Empty(good.Problems());
        var bad = which switch
        {
            "alpha" => good with { Alpha = value },
            "beta" => good with { Beta = value },
            "eps" => good with { Epsilon = value },
            "delta" => good with { SmoothL1Delta = value },
            "weight" => good with { Weight = value },
            _ => good with { Gamma = value },
        };
        Assert.Single(bad.Problems());
    }

    [Fact]
    public void Non_finite_noise_and_validation_share_are_problems_naming_the_option()
    {
        var good = new DataOptions();
        Assert.Empty(good.Problems());
        Assert.Contains((good with { Noise = double.NaN }).Problems(), p => p.Contains("--noise"));
        Assert.Contains((good with { Noise = double.PositiveInfinity }).Problems(), p => p.Contains("--noise"));
        Assert.Contains((good with { ValidationShare = double.NaN }).Problems(), p => p.Contains("--val-share"));
        Assert.Empty((good with { Noise = 1.5, ValidationShare = 0.1 }).Problems());
    }

    [Theory]
    [InlineData("drop_path_rate")]
    [InlineData("head_dropout")]
    [InlineData("mlp_ratio")]
    [InlineData("in_chans")]
    [InlineData("norm_eps")]
    [InlineData("frames")]
    [InlineData("tokens")]
    public void Preset_fields_out_of_range_are_refused_naming_the_field(string field)
    {
        var ok = ModelPresets.Get("videomae-s");
        ok.Validate();
        var bad = field switch
        {
            "drop_path_rate" => ok with { DropPathRate = 5 },
            "head_dropout" => ok with { HeadDropout = 2 },
            "mlp_ratio" => ok with { MlpRatio = -4 },
            "in_chans" => ok with { InChans = 0 },
            "norm_eps" => ok with { NormEps = -1 },
            "frames" => ok with { Frames = 0 },
            _ => ok with { Frames = 100_000, ImageSize = 32 },
        };
        var e = Assert.Throws<ArgumentException>(() => bad.Validate());
        Assert.Contains(field == "tokens" ? "200000 tokens a clip" : field, e.Message);
    }

    [Fact]
    public void The_token_cap_admits_the_largest_published_inputs()
    {
        // VideoMAE's long-clip and high-resolution fine-tuning: 32 frames at 448², 12,544 tokens.
        (ModelPresets.Get("videomae-b") with { Frames = 32, ImageSize = 448 }).Validate();
        Assert.Throws<ArgumentException>(() => (ModelPresets.Get("videomae-b") with { Frames = 64, ImageSize = 896 }).Validate());
    }

    [Fact]
    public void A_npy_clip_with_a_negative_dimension_or_nan_values_is_refused_and_a_good_one_round_trips()
    {
        var dir = Directory.CreateTempSubdirectory("npy-").FullName;
        try
        {
            var good = Path.Combine(dir, "good.npy");
            using var x = TorchSharp.torch.arange(24f).reshape(2, 3, 4);
            NpyFile.Write(good, x);
            using var back = NpyFile.ReadFloat32(good);
            Assert.Equal(x.data<float>().ToArray(), back.data<float>().ToArray());

            var bytes = File.ReadAllBytes(good);
            var header = System.Text.Encoding.Latin1.GetString(bytes, 0, 128);
            var negative = Path.Combine(dir, "negative.npy");
            File.WriteAllBytes(negative, System.Text.Encoding.Latin1.GetBytes(header.Replace("(2, 3, 4)", "(2, -3, 4)")).Concat(bytes.Skip(128)).ToArray());
            Assert.Contains("invalid dimension '-3'", Assert.Throws<InvalidDataException>(() => NpyFile.ReadFloat32(negative)).Message);

            var nan = Path.Combine(dir, "nan.npy");
            BitConverter.GetBytes(float.NaN).CopyTo(bytes, bytes.Length - 4);
            File.WriteAllBytes(nan, bytes);
            var e = Assert.Throws<InvalidDataException>(() => NpyFile.ReadFloat32(nan));
            Assert.StartsWith(nan, e.Message);
            Assert.Contains("NaN or infinite", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void A_settings_difference_names_the_nested_values_that_changed()
    {
        var then = """{"model":"tiny","train":{"BaseLr":0.001,"Epochs":1,"Seed":0},"data":"ds"}""";
        var now = """{"model":"tiny","train":{"BaseLr":0.5,"Epochs":1,"Seed":0},"data":"ds"}""";
        Assert.Equal("train.BaseLr: 0.001 then, 0.5 now", RunSettings.Diff(then, now));
        Assert.Equal("extra: unset then, 1 now", RunSettings.Diff("{}", """{"extra":1}"""));
    }

    [Fact]
    public void A_run_of_the_older_settings_layout_is_named_as_such_and_runs_of_this_layout_are_not()
    {
        var old = """{"regularizer":{"Kind":"vcreg","Alpha":1},"seed":0}""";
        var now = """{"settings_version":2,"spec":{"regularizer":{"kind":"vcreg","alpha":1},"seed":0},"resolved":{}}""";
        var e = Assert.Throws<InvalidOperationException>(() => RunSettings.RequireSame(old, now, "/runs/a"));
        Assert.Equal("/runs/a: the unfinished run there was started by an older videovcreg (its settings.json has no settings_version 2), "
            + "which this version cannot continue; --force to start over, or choose another --out", e.Message);
        // A later layout is not this one either; a version of this layout with another value is a difference like any other.
        Assert.True(RunSettings.IsOlderLayout(now.Replace(":2,", ":3,")));
        var other = Assert.Throws<InvalidOperationException>(() => RunSettings.RequireSame(now.Replace("\"alpha\":1", "\"alpha\":2"), now, "/runs/a"));
        Assert.Equal("/runs/a: the unfinished run there used other settings (spec.regularizer.alpha: 2 then, 1 now); repeat its options, or --force to start over", other.Message);
        Assert.Equal("/runs/a: holds a finished run of an older videovcreg (its settings.json has no settings_version 2), so it is not reused; use --force to replace it, or choose another --out",
            RunSettings.NotReused("/runs/a", old, now).Message);
        Assert.Equal("/runs/a: holds a finished run with other settings (no settings.json), so it is not reused; use --force to replace it, or choose another --out",
            RunSettings.NotReused("/runs/a", null, now).Message);
        // Every key is always written, so a key on one side only is another version's setting, which no option repeats.
        var newer = now.Replace("\"seed\":0}", "\"seed\":0,\"later\":{\"x\":1}}");
        Assert.Equal("/runs/a: the unfinished run there was started by another videovcreg version (settings spec.later.x only now), which this one cannot continue; "
            + "--force to start over, or choose another --out", Assert.Throws<InvalidOperationException>(() => RunSettings.RequireSame(now, newer, "/runs/a")).Message);
        Assert.Contains("(settings spec.later.x only then)", Assert.Throws<InvalidOperationException>(() => RunSettings.RequireSame(newer, now, "/runs/a")).Message);
    }

    [Fact]
    public void An_image_preset_with_an_unknown_interpolation_is_refused_when_read_not_per_image()
    {
        var ok = VideoVCReg.Models.Image.ImagePresets.Get("resnet32");
        ok.Validate();
        var e = Assert.Throws<InvalidDataException>(() => (ok with { Interpolation = "magic" }).Validate());
        Assert.Contains("interpolation 'magic' is not bilinear or bicubic", e.Message);
        Assert.Throws<InvalidDataException>(() => (ok with { InputSize = 100_000 }).Validate());
        Assert.Contains("probe_size", Assert.Throws<InvalidDataException>(() => (ok with { ProbeSize = 100_000 }).Validate()).Message);
        Assert.Contains("mean values must be finite", Assert.Throws<InvalidDataException>(() => (ok with { Mean = [0.5, double.NaN, 0.5] }).Validate()).Message);
        Assert.Contains("std finite", Assert.Throws<InvalidDataException>(() => (ok with { Std = [0.2, double.PositiveInfinity, 0.2] }).Validate()).Message);
    }

    [Fact]
    public void Video_pretraining_refuses_the_image_only_label_options_it_would_ignore()
    {
        foreach (var (option, value) in new[] { ("--labels", "coarse"), ("--imbalance", "0.5") })
        {
            var never = Path.Combine(Path.GetTempPath(), $"never-written-{Guid.NewGuid():N}");
            var r = Support.CliProcess.Run("pretrain", option, value, "--epochs", "1", "--out", never);
            Assert.Equal(1, r.ExitCode);
            Assert.False(Directory.Exists(never), "a refused run created its --out folder");
            var line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains($"{option} is for", line);
        }
    }

    [Fact]
    public void Libtorch_errors_lose_their_cpp_stack_and_a_failed_allocation_is_named()
    {
        const string cpu = "[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: can't allocate memory: you tried to allocate 60211200000 bytes. "
            + "Error code 12 (Cannot allocate memory) frame #0: c10::ThrowEnforceNotMet(char const*, int) + 0x68 (0x7f in libc10.so) frame #1: c10::alloc_cpu";
        Assert.Equal("out of memory: a tensor of 60.2 GB could not be allocated; lower the batch size, image size or frame count",
            VideoVCReg.Runtime.NativeErrors.Describe(cpu));
        Assert.StartsWith("out of GPU memory: a tensor of 2.50 GiB could not be allocated",
            VideoVCReg.Runtime.NativeErrors.Describe("CUDA out of memory. Tried to allocate 2.50 GiB. GPU 0 has a total capacity of 79.1 GiB"));
        Assert.Equal("Expected 4-dimensional input for 4-dimensional weight [8, 3, 7, 7]",
            VideoVCReg.Runtime.NativeErrors.Describe("Expected 4-dimensional input for 4-dimensional weight [8, 3, 7, 7] Exception raised from check_shape at conv.cpp:12 (most recent call first): frame #0: x"));
        Assert.Null(VideoVCReg.Runtime.NativeErrors.Describe("a managed message"));

        // The real thing: an absurd batch (6 TB of input) is one line and exit 1, not a page of native frames.
        var r = Support.CliProcess.Run("bench", "vcreg", "--batch", "10000000", "--networks", "vit_b_32", "--rounds", "1", "--threads", "1");
        Assert.Equal(1, r.ExitCode);
        var line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("videovcreg: out of memory: a tensor of 6021.1 GB could not be allocated", line);
        // The whole exception, native frames included, is kept in the file the line names.
        var details = line[(line.LastIndexOf("(details: ", StringComparison.Ordinal) + "(details: ".Length)..^1];
        var text = File.ReadAllText(details);
        Assert.Contains("frame #0", text);
        Assert.Contains("bench vcreg --batch 10000000", text);
        File.Delete(details);
    }

    [Fact]
    public void A_switch_given_a_word_says_what_a_switch_takes()
    {
        var r = Support.CliProcess.Run("finetune", "--flip", "yes", "--epochs", "1");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("videovcreg: --flip is a switch: give it alone, or true or false (got 'yes') (see 'videovcreg --help')", r.Stderr.Trim());
        // true/false still parse (the run is then refused for its epochs, a later check): exit 1, not 2.
        var ok = Support.CliProcess.Run("finetune", "--flip", "false", "--epochs", "0");
        Assert.Equal(1, ok.ExitCode);
        Assert.Contains("--epochs", ok.Stderr);
        // Any other stray word keeps System.CommandLine's own line.
        var stray = Support.CliProcess.Run("finetune", "stray", "--epochs", "1");
        Assert.Equal(2, stray.ExitCode);
        Assert.Contains("'stray'", stray.Stderr);
        Assert.DoesNotContain("is a switch", stray.Stderr);
    }
}
