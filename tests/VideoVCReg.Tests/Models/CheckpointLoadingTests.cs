using System.Diagnostics;
using TorchSharp;
using VideoVCReg.Models;
using VideoVCReg.Models.Checkpoints;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Models;

public class CheckpointLoadingTests
{
    static string Temp(string name) => Path.Combine(Directory.CreateTempSubdirectory("vvcreg-models-").FullName, name);

    static void Python(params string[] args) => Support.PythonScript.Run(ModelFixtures.Script, args);

    [Fact]
    public void Truncated_file_is_a_one_line_error_naming_the_file()
    {
        var path = Temp("truncated.pth");
        var bytes = File.ReadAllBytes(ModelFixtures.File("videomae_official.pth"));
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => PretrainedLoader.Load(ModelFixtures.Small(), path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void Truncated_safetensors_is_a_clear_error()
    {
        var path = Temp("truncated.safetensors");
        var bytes = File.ReadAllBytes(ModelFixtures.File("videomaev2_cos.safetensors"));
        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);
        var e = Assert.Throws<InvalidDataException>(() => PretrainedLoader.Load(ModelFixtures.Small(), path));
        Assert.Contains("truncated safetensors", e.Message);
    }

    [Fact]
    public void File_that_is_not_a_pickle_is_a_clear_error()
    {
        var path = Temp("notes.pth");
        File.WriteAllText(path, "these are not the weights you are looking for\n");
        var e = Assert.Throws<InvalidDataException>(() => PretrainedLoader.Load(ModelFixtures.Small(), path));
        Assert.Contains(path, e.Message);
        Assert.Contains("not a PyTorch checkpoint", e.Message);
    }

    [Fact]
    public void Other_architecture_is_named_as_such()
    {
        var e = Assert.Throws<InvalidDataException>(() =>
            PretrainedLoader.Load(ModelFixtures.Small(), ModelFixtures.File("not_a_video_transformer.pth")));
        Assert.Contains("not a VideoMAE, VideoMAEv2 or ViViT checkpoint", e.Message);
        Assert.Contains("conv1.weight", e.Message);
    }

    [Fact]
    public void Wrong_shapes_and_depth_are_listed_in_one_message()
    {
        // The fixture is 32 wide and 2 deep; a 48-wide, 3-deep model must report every problem at once.
        var wrong = ModelFixtures.Small() with { EmbedDim = 48, NumHeads = 3, Depth = 3 };
        var e = Assert.Throws<InvalidDataException>(() => PretrainedLoader.Load(wrong, ModelFixtures.File("videomae_official.pth")));
        Assert.Contains("missing", e.Message);
        Assert.Matches(@"missing \d+ \[blocks\.2\.", e.Message);
        Assert.Contains("shape mismatch", e.Message);
        Assert.Contains("patch_embed.proj.weight (checkpoint [32, 3, 2, 8, 8], model [48, 3, 2, 8, 8])", e.Message);
    }

    [Fact]
    public void A_checkpoint_of_another_architecture_names_the_first_keys_and_counts_the_rest()
    {
        // A VideoMAE checkpoint given to ResNet-18: every ResNet key missing and every VideoMAE key unexpected, in one readable line.
        var resnet = new VideoVCReg.Models.Image.ResNet(bottleneck: false, [2, 2, 2, 2], numClasses: 10);
        var keys = resnet.state_dict().Keys.ToList();
        var e = Assert.Throws<InvalidDataException>(() => TorchvisionCheckpoint.LoadStrict(resnet,
            CheckpointFile.Read(ModelFixtures.File("videomae_official.pth")), "videomae_official.pth"));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains($"missing {keys.Count} [{string.Join(", ", keys.Take(KeyMismatch.Shown))}, … {keys.Count - KeyMismatch.Shown} more]", e.Message);
        Assert.Matches(@"unexpected (\d+) \[[^\]]*, … (\d+) more\]", e.Message);
        var m = System.Text.RegularExpressions.Regex.Match(e.Message, @"unexpected (\d+) \[[^\]]*, … (\d+) more\]");
        Assert.Equal(int.Parse(m.Groups[1].Value) - KeyMismatch.Shown, int.Parse(m.Groups[2].Value));
        Assert.True(e.Message.Length < 600, e.Message);
        Assert.Equal("missing 2 [a, b]; shape mismatch 1 [c (x)]", KeyMismatch.Describe(["a", "b"], [], ["c (x)"]));
    }

    [Fact]
    public void Other_class_count_reinitialises_only_the_head_with_a_warning()
    {
        using var scope = NewDisposeScope();
        var loaded = PretrainedLoader.Load(ModelFixtures.Small(), ModelFixtures.File("videomae_official.pth"), new LoadOptions(NumClasses: 7));
        using var model = loaded.Model;
        model.eval();
        Assert.Contains(loaded.Warnings, w => w.Contains("head re-initialised for 7 classes"));
        using var _ = no_grad();
        var clip = ModelFixtures.Npy("clip_b2.npy");
        Assert.Equal(new long[] { 2, 7 }, model.call(clip).shape);
        // The backbone is still the checkpoint's: the same pooled features the original head saw.
        var reference = PretrainedLoader.Load(ModelFixtures.Small(), ModelFixtures.File("videomae_official.pth")).Model;
        reference.eval();
        Assert.True(ModelFixtures.MaxAbsDiff(model.ForwardFeatures(clip), reference.ForwardFeatures(clip)) == 0);
        reference.Dispose();
    }

    /// <summary>Another class count excuses the head's shape, not its absence nor a head the model does not have.</summary>
    [Fact]
    public void At_another_class_count_a_headless_or_foreign_headed_fine_tuned_file_is_still_refused()
    {
        var raw = CheckpointFile.Read(ModelFixtures.File("videomae_official.pth"));
        static string Save(IEnumerable<KeyValuePair<string, Tensor>> state)
        {
            var path = Temp("edited.pth");
            var table = new System.Collections.Hashtable();
            foreach (var (k, v) in state) table[k] = v.contiguous().clone();
            using (var f = File.Create(path)) TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(f, table);
            return path;
        }
        var headless = Save(raw.Where(kv => !kv.Key.StartsWith("head.")));
        var e = Assert.Throws<InvalidDataException>(() => PretrainedLoader.Load(ModelFixtures.Small(), headless, new LoadOptions(NumClasses: 7)));
        Assert.Contains("missing 2 [head.weight, head.bias]", e.Message);
        var foreign = Save(raw.Append(new("head.fc1.weight", zeros(3, 3))));
        e = Assert.Throws<InvalidDataException>(() => PretrainedLoader.Load(ModelFixtures.Small(), foreign, new LoadOptions(NumClasses: 7)));
        Assert.Contains("unexpected 1 [head.fc1.weight]", e.Message);
    }

    [Fact]
    public void Other_frame_count_resamples_learned_positions_and_recomputes_sincos()
    {
        using var scope = NewDisposeScope();
        var opts = new LoadOptions(Frames: 8, ImageSize: 24);
        var learned = PretrainedLoader.Load(ModelFixtures.Small(), ModelFixtures.File("hf_vivit.bin"), opts);
        Assert.Contains(learned.Warnings, w => w.Contains("position embeddings resampled"));
        Assert.Equal(new long[] { 1, 1 + 4 * 3 * 3, 32 }, learned.Model.state_dict()["pos_embed"].shape);
        var sincos = PretrainedLoader.Load(ModelFixtures.Small(), ModelFixtures.File("videomae_official.pth"), opts);
        Assert.Empty(sincos.Warnings);
        using var _ = no_grad();
        var clip = torch.randn(new long[] { 1, 3, 8, 24, 24 });
        foreach (var m in new[] { learned.Model, sincos.Model })
        {
            m.eval();
            var y = m.call(clip);
            Assert.Equal(new long[] { 1, 5 }, y.shape);
            Assert.True(y.isfinite().all().item<bool>());
            m.Dispose();
        }
    }

    [Fact]
    public void Resampling_a_learned_grid_to_its_own_size_is_the_identity()
    {
        using var scope = NewDisposeScope();
        var table = torch.randn(1, 1 + 2 * 3 * 3, 4);
        var same = PositionEmbedding.Resample(table, 1, (2, 3, 3), (2, 3, 3));
        Assert.True(ModelFixtures.MaxAbsDiff(same, table) < 1e-6);
    }

    [Theory]
    [InlineData("videomae_official.pth")]
    [InlineData("videomae_token0_module.pth")]
    [InlineData("videomaev2_cos.safetensors")]
    public void Saved_model_loads_into_pytorch_with_the_same_logits(string checkpoint)
    {
        using var scope = NewDisposeScope();
        var loaded = PretrainedLoader.Load(ModelFixtures.Small(), ModelFixtures.File(checkpoint));
        using var model = loaded.Model;
        model.eval();
        var saved = Temp("finetuned.pth");
        CheckpointWriter.Save(model, saved);
        var logits = Temp("logits.npy");
        Python("official-logits", saved, ModelFixtures.File("clip_b2.npy"), logits, model.Config.ToJson());
        using var _ = no_grad();
        var ours = model.call(ModelFixtures.Npy("clip_b2.npy"));
        var err = ModelFixtures.MaxAbsDiff(ours, VideoVCReg.Runtime.IO.NpyFile.ReadFloat32(logits));
        Assert.True(err <= 1e-4, $"max abs error {err:E2}");
        // And it comes back here unchanged.
        var again = PretrainedLoader.Load(ModelFixtures.Small(), saved).Model;
        again.eval();
        Assert.True(ModelFixtures.MaxAbsDiff(again.call(ModelFixtures.Npy("clip_b2.npy")), ours) == 0);
        again.Dispose();
    }

    [Fact]
    public void Saved_vivit_goes_back_to_the_hugging_face_layout()
    {
        using var scope = NewDisposeScope();
        var model = PretrainedLoader.Load(ModelFixtures.Small(), ModelFixtures.File("hf_vivit.bin")).Model;
        model.eval();
        var saved = Temp("vivit.bin");
        CheckpointWriter.Save(model, saved);
        var original = CheckpointFile.Read(ModelFixtures.File("hf_vivit.bin"));
        var written = CheckpointFile.Read(saved);
        Assert.Equal(original.Keys.Order(), written.Keys.Order());
        foreach (var (k, v) in original) Assert.True(ModelFixtures.MaxAbsDiff(written[k], v) == 0, k);
        model.Dispose();
    }

    [Theory]
    [InlineData("videomae-s")]
    [InlineData("videomaev2-b")]
    [InlineData("vivit-b")]
    public void Full_size_preset_loads_a_full_size_pytorch_checkpoint(string preset)
    {
        // Python writes a random full-size checkpoint in the preset family's own layout at test time;
        // for VideoMAE it also runs the model on a small 4x32² clip (the sin-cos table is recomputed for it).
        using var scope = NewDisposeScope();
        var config = ModelPresets.Get(preset);
        var ckpt = Temp(preset + ".pth");
        var logits = Temp(preset + ".logits.npy");
        try
        {
            CheckFullSize(config, ckpt, logits);
        }
        finally
        {
            // Each of these checkpoints is hundreds of megabytes: gone before the next case writes its own.
            Directory.Delete(Path.GetDirectoryName(ckpt)!, recursive: true);
            Directory.Delete(Path.GetDirectoryName(logits)!, recursive: true);
        }
    }

    static void CheckFullSize(ModelConfig config, string ckpt, string logits)
    {
        Python("full", config.ToJson(), ckpt, logits, "4", "32");
        var loaded = PretrainedLoader.Load(config, ckpt, new LoadOptions(Frames: 4, ImageSize: 32));
        using var model = loaded.Model;
        model.eval();
        Assert.Equal(config.Family == "vivit" ? CheckpointLayout.HfVivit : CheckpointLayout.VideoMae, loaded.Layout);
        Assert.Equal(config.EmbedDim, model.Config.EmbedDim);
        Assert.True(model.ParameterCount() > 20_000_000);
        using var _ = no_grad();
        if (config.Family == "vivit")
        {
            Assert.Equal(new long[] { 1, config.NumTokens, 768 }, CheckpointFile.Read(ckpt)["vivit.embeddings.position_embeddings"].shape);
            Assert.True(model.call(torch.randn(new long[] { 1, 3, 4, 32, 32 })).isfinite().all().item<bool>());
            return;
        }
        var err = ModelFixtures.MaxAbsDiff(model.call(VideoVCReg.Runtime.IO.NpyFile.ReadFloat32(logits + ".clip.npy")),
            VideoVCReg.Runtime.IO.NpyFile.ReadFloat32(logits));
        Assert.True(err <= 1e-4, $"max abs error {err:E2}");
    }
}

/// <summary>An image run's starting weights (<see cref="TorchvisionCheckpoint.LoadStart"/>): the layout is read from the file once.</summary>
public class ImageStartWeightsTests
{
    static string Save(Dictionary<string, Tensor> state)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("vvcreg-start-").FullName, "start.pth");
        var table = new System.Collections.Hashtable();
        foreach (var (k, v) in state) table[k] = v.detach().contiguous().clone();
        using (var f = File.Create(path)) TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(f, table);
        return path;
    }

    static Dictionary<string, Tensor> State(nn.Module m) => m.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value);

    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    [Fact]
    public void A_self_supervised_file_gives_the_backbone_and_leaves_the_classifier_fresh_and_a_torchvision_file_gives_everything()
    {
        torch.manual_seed(1);
        using var source = VideoVCReg.Models.Image.ResNetCifar.R32(10);
        using var target = VideoVCReg.Models.Image.ResNetCifar.R32(7);
        var head = target.named_modules().First(m => ReferenceEquals(m.module, target.HeadInput)).name + ".";
        var before = State(target).ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var ssl = State(source).Where(kv => !kv.Key.StartsWith(head)).ToDictionary(kv => "backbone." + kv.Key, kv => kv.Value);
        ssl["projector.0.weight"] = randn(16, 64);
        TorchvisionCheckpoint.LoadStart(target, Save(ssl));
        foreach (var (k, v) in State(target))
        {
            if (k.StartsWith(head)) Assert.True(Same(before[k], v), $"{k}: the classifier must start fresh");
            else if (v.is_floating_point() && v.numel() > 1) Assert.True(Same(State(source)[k], v), $"{k}: not the backbone's");
        }

        // A torchvision file of the same class count fits the whole network, classifier included.
        using var other = VideoVCReg.Models.Image.ResNetCifar.R32(7);
        TorchvisionCheckpoint.LoadStart(target, Save(State(other)));
        Assert.All(State(target), kv => Assert.True(Same(State(other)[kv.Key], kv.Value), kv.Key));

        // Without its classifier a torchvision file does not fit: the keys it lacks are named.
        var headless = Save(State(other).Where(kv => !kv.Key.StartsWith(head)).ToDictionary());
        var e = Assert.Throws<InvalidDataException>(() => TorchvisionCheckpoint.LoadStart(target, headless));
        Assert.Contains($"missing 2 [{head}weight, {head}bias]", e.Message);
    }
}
