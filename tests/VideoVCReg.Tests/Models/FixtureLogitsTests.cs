using TorchSharp;
using VideoVCReg.Models;
using VideoVCReg.Models.Checkpoints;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Models;

/// <summary>Each supported layout, written by PyTorch code, reproduces PyTorch's outputs here.</summary>
public class FixtureLogitsTests
{
    const double Tolerance = 1e-4;

    static (LoadedModel Loaded, Tensor Logits) Run(string checkpoint)
    {
        var loaded = PretrainedLoader.Load(ModelFixtures.Small(), ModelFixtures.File(checkpoint));
        loaded.Model.eval();
        using var _ = no_grad();
        return (loaded, loaded.Model.call(ModelFixtures.Npy("clip_b2.npy")));
    }

    [Theory]
    [InlineData("videomae_official.pth", "videomae_official", CheckpointLayout.VideoMae)]
    [InlineData("videomae_token0_module.pth", "videomae_token0_module", CheckpointLayout.VideoMae)]
    [InlineData("videomaev2_cos.safetensors", "videomaev2_cos", CheckpointLayout.VideoMae)]
    [InlineData("hf_videomae.bin", "hf_videomae", CheckpointLayout.HfVideoMae)]
    [InlineData("hf_videomae_shared_storage.bin", "hf_videomae_shared_storage", CheckpointLayout.HfVideoMae)]
    [InlineData("hf_vivit.bin", "hf_vivit", CheckpointLayout.HfVivit)]
    public void Checkpoint_reproduces_pytorch_logits(string checkpoint, string expected, CheckpointLayout layout)
    {
        using var scope = NewDisposeScope();
        var (loaded, logits) = Run(checkpoint);
        using var model = loaded.Model;
        Assert.Equal(layout, loaded.Layout);
        Assert.Empty(loaded.Warnings);
        var want = ModelFixtures.Npy(expected + ".logits.npy");
        var err = ModelFixtures.MaxAbsDiff(logits, want);
        Assert.True(err <= Tolerance, $"{checkpoint}: max abs error {err:E2} > {Tolerance:E0}");
        // The logits must actually depend on the clip (a constant output would pass a loose check on zeros).
        Assert.True(want.std().item<float>() > 1e-3);
    }

    [Fact]
    public void Pretraining_checkpoint_keeps_the_encoder_and_reproduces_pytorch_features()
    {
        using var scope = NewDisposeScope();
        var loaded = PretrainedLoader.Load(ModelFixtures.Small(), ModelFixtures.File("videomae_pretrain.pth"));
        using var model = loaded.Model;
        model.eval();
        Assert.Equal(CheckpointLayout.VideoMaePretrain, loaded.Layout);
        var warning = Assert.Single(loaded.Warnings);
        Assert.Contains("head.weight", warning);
        Assert.Contains("fc_norm.weight", warning);
        using var _ = no_grad();
        var features = model.ForwardFeatures(ModelFixtures.Npy("clip_b2.npy"));
        var err = ModelFixtures.MaxAbsDiff(features, ModelFixtures.Npy("videomae_pretrain.features.npy"));
        Assert.True(err <= Tolerance, $"max abs error {err:E2}");
        // No decoder, mask token, encoder_to_decoder or encoder.norm made it into the model.
        Assert.DoesNotContain(model.state_dict().Keys, k => k.Contains("decoder") || k.Contains("mask_token") || k.StartsWith("norm."));
    }

    [Fact]
    public void Shared_storage_views_are_what_the_fixture_contains()
    {
        // Guards the fixture itself: the q/k/v weights must be views at non-zero offsets into one storage,
        // otherwise the shared-storage test above proves nothing.
        var bytes = System.IO.File.ReadAllBytes(ModelFixtures.File("hf_videomae_shared_storage.bin"));
        using var zip = new System.IO.Compression.ZipArchive(new MemoryStream(bytes));
        var storages = zip.Entries.Count(e => e.FullName.Contains("/data/"));
        var raw = CheckpointFile.Read(ModelFixtures.File("hf_videomae_shared_storage.bin"));
        try
        {
            Assert.True(storages < raw.Count, $"{storages} storages for {raw.Count} tensors: nothing is shared");
            Assert.True(raw["videomae.encoder.layer.0.attention.attention.value.weight"].storage_offset() > 0);
        }
        finally { foreach (var t in raw.Values) t.Dispose(); }
    }
}
