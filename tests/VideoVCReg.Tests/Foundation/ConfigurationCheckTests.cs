using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using VideoVCReg.Cli;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Tests.FineTune;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Foundation;

/// <summary>
/// A configuration key no options record binds, or a value of the wrong type, is listed with its file or variable
/// (issue 28): the binder alone ignored both, and the run used the default of 50 epochs.
/// </summary>
public class ConfigurationCheckTests
{
    [Fact]
    public void Every_unknown_key_and_wrong_type_of_a_file_is_listed_and_documentation_keys_are_not()
    {
        var file = Path.Combine(Path.GetTempPath(), $"config-check-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """
            { "_about": "documentation", "Grid": { "Regularizer:Alpha": [1, 3] },
              "FineTune": { "Epoch": 1, "Epochs": [1, 2], "BatchSize": "eight", "WarmupEpochs": null, "_why": "a note", "PeakLr": 1 },
              "Data": { "Split": 2, "Flip": "maybe", "TestClips": { "n": 3 } },
              "Regularizer": { "Alpha": 3 }, "Runtime": { "Seed": 7 },
              "Logging": { "LogLevel": { "Anything.Here": "Warning" } },
              "Regulariser": { "Alpha": 3 } }
            """);
        try
        {
            var problems = ConfigurationCheck.Problems(new ConfigurationBuilder().AddJsonFile(file).Build());
            Assert.Equal(new[]
            {
                $"{file}: FineTune:Epoch is not a setting (did you mean FineTune:Epochs?)",
                $"{file}: FineTune:Epochs must be a whole number (got a list)",
                $"{file}: FineTune:BatchSize must be a whole number (got 'eight')",
                // A computed value, which the binder never sets.
                $"{file}: FineTune:PeakLr is not a setting",
                $"{file}: Data:Flip must be true or false (got 'maybe')",
                $"{file}: Data:TestClips must be a whole number (got a section)",
                $"{file}: Regulariser is not a configuration section (sections: Runtime, Regularizer, FineTune, Data)",
            }.Order(), problems.Order());
        }
        finally { File.Delete(file); }
    }

    /// <summary>The issue's three cases through the CLI: one line naming the file and the variable, exit 1, nothing run.</summary>
    [Fact]
    public void Finetune_refuses_a_mistyped_config_file_and_variable_in_one_line()
    {
        var root = Directory.CreateTempSubdirectory("config-check-cli-").FullName;
        var file = Path.Combine(root, "typo.json");
        File.WriteAllText(file, """{ "FineTune": { "Epoch": 1, "Epochs": [1, 2] } }""");
        var r = CliProcess.RunWith(null, new Dictionary<string, string?> { ["VIDEOVCREG_FineTune__Epoch"] = "1", ["VIDEOVCREG_TRACE"] = "0", ["VIDEOVCREG_PROGRES"] = "0" },
            "finetune", "--config", file, "--model", "videomae-s", "--data", Path.Combine(root, "none"), "--out", Path.Combine(root, "run"));
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("videovcreg: configuration: "
            + $"{file}: FineTune:Epoch is not a setting (did you mean FineTune:Epochs?); {file}: FineTune:Epochs must be a whole number (got a list); "
            + "environment VIDEOVCREG_FineTune__Epoch: FineTune:Epoch is not a setting (did you mean FineTune:Epochs?); "
            + "environment VIDEOVCREG_PROGRES: neither a setting (VIDEOVCREG_<Section>__<Key>) nor a switch (VIDEOVCREG_TRACE, VIDEOVCREG_PROGRESS, "
            + "VIDEOVCREG_FFMPEG_LOG, VIDEOVCREG_MALLOC, VIDEOVCREG_MPI_CUDA, VIDEOVCREG_ALLREDUCE)", r.Stderr.Trim());
        Assert.False(Directory.Exists(Path.Combine(root, "run")));
    }

    /// <summary>A --config that is a FIFO (it would block the loader), missing, or not JSON: one line naming the file and why.</summary>
    [Fact]
    public void A_config_file_that_cannot_be_read_as_json_gets_one_line_naming_it_and_why()
    {
        var root = Directory.CreateTempSubdirectory("config-bad-").FullName;
        try
        {
            var fifo = Path.Combine(root, "pipe.json");
            using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo])!)
            {
                mkfifo.WaitForExit();
                Assert.Equal(0, mkfifo.ExitCode);
            }
            var unclosed = Path.Combine(root, "unclosed.json");
            File.WriteAllText(unclosed, """{ "FineTune": { "Epochs": 1 }""");
            string Line(string config)
            {
                var r = CliProcess.Run("finetune", "--config", config, "--model", "videomae-s", "--out", Path.Combine(root, "run"));
                Assert.Equal(1, r.ExitCode);
                Assert.Single(r.Stderr.Trim().Split('\n'));
                return r.Stderr.Trim();
            }
            Assert.Equal($"videovcreg: {fifo}: is a FIFO (named pipe), not a configuration file", Line(fifo));
            Assert.Equal($"videovcreg: {Path.Combine(root, "none.json")}: configuration not found", Line(Path.Combine(root, "none.json")));
            var json = Line(unclosed);
            Assert.StartsWith($"videovcreg: Failed to load configuration from file '{unclosed}': Could not parse the JSON file: ", json);
            Assert.Contains("LineNumber: 0", json);
            Assert.False(Directory.Exists(Path.Combine(root, "run")));
        }
        finally { Directory.Delete(root, true); }
    }

    /// <summary>
    /// Every file shipped in configs/: the configuration layers (default, image-training, recipes, the dataset presets) bind
    /// cleanly; the three tables read by their own strict readers load. A new file is a layer unless listed as a table.
    /// </summary>
    [Fact]
    public void Every_shipped_config_file_binds_without_a_problem()
    {
        var configs = Path.Combine(PresetConfigTests.RepoRoot(), "configs");
        var files = Directory.GetFiles(configs, "*.json", SearchOption.AllDirectories).Order().ToList();
        var tables = new Dictionary<string, Action<string>>
        {
            ["models.json"] = f => Assert.Contains("vivit-b", VideoVCReg.Models.ModelPresets.Load(f).Keys),
            ["images.json"] = f => Assert.Equal(VideoVCReg.Models.Image.ImagePresets.Architectures.Order(), VideoVCReg.Models.Image.ImagePresets.Load(f).Keys.Order()),
            [Path.Combine("labels", "fashion-mnist-coarse.json")] = f => Assert.Equal(4, VideoVCReg.Decoding.Images.CoarseLabels.Load(f).Classes.Count),
        };
        int layers = 0;
        foreach (var file in files)
        {
            var relative = Path.GetRelativePath(configs, file);
            if (tables.TryGetValue(relative, out var load)) { load(file); continue; }
            Assert.Empty(ConfigurationCheck.Problems(new ConfigurationBuilder().AddJsonFile(file).Build()));
            layers++;
        }
        Assert.Equal(files.Count - tables.Count, layers);
        Assert.True(layers >= 16, $"only {layers} configuration layers found under {configs}");
    }

    /// <summary>Each typed option's key is a setting the check knows, so the CLI cannot name a key a file could not.</summary>
    [Fact]
    public void Every_config_option_names_a_known_setting_and_every_switch_variable_is_listed()
    {
        var keys = new List<string>();
        void Walk(System.CommandLine.Command c)
        {
            foreach (var o in c.Options)
                if (o.GetType().GetProperty("ConfigKey")?.GetValue(o) is string key) keys.Add(key);
            foreach (var sub in c.Subcommands) Walk(sub);
        }
        Walk(CliApp.BuildRoot());
        Assert.True(keys.Count > 40, $"only {keys.Count} configuration options found");
        foreach (var key in keys.Distinct())
        {
            var (section, name) = (key.Split(':')[0], key.Split(':')[1]);
            Assert.True(ConfigurationCheck.Sections.TryGetValue(section, out var type), key);
            Assert.True(type.GetProperty(name)?.SetMethod?.IsPublic == true, key);
        }
        // VIDEOVCREG_ variables read in the source are switches the check lets through.
        var src = Path.Combine(PresetConfigTests.RepoRoot(), "src");
        var read = Directory.GetFiles(src, "*.cs", SearchOption.AllDirectories)
            .SelectMany(f => Regex.Matches(File.ReadAllText(f), "\"VIDEOVCREG_([A-Z_]+)\"").Select(m => m.Groups[1].Value))
            .Where(n => n != "").Distinct().Order().ToList();
        Assert.Equal(ConfigurationCheck.Switches.Order(), read);
    }
}
