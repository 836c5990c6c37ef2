using TorchSharp;
using VideoVCReg.Models.Checkpoints;
using VideoVCReg.Models.Image;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.ImageModels;

/// <summary>
/// The image models compute what torchvision computes: torchvision's own state dicts (every parameter random)
/// load strictly and give torchvision's logits; the full-size presets have torchvision's exact keys and shapes.
/// </summary>
public class TorchvisionParityTests
{
    const double Tolerance = 1e-4;

    static nn.Module<Tensor, Tensor> Small(string name) => name switch
    {
        "vit" => ImageFixtures.SmallVit(),
        "convnext" => ImageFixtures.SmallConvNeXt(),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [InlineData("vit")]
    [InlineData("convnext")]
    public void Torchvision_state_dict_loads_strictly_and_reproduces_torchvision_logits(string name)
    {
        using var scope = NewDisposeScope();
        using var model = Small(name);
        TorchvisionCheckpoint.LoadStrict(model, ImageFixtures.File(name + ".pth"));
        model.eval();
        using var _ = no_grad();
        var logits = model.call(ImageFixtures.Npy(name + ".input.npy"));
        var want = ImageFixtures.Npy(name + ".logits.npy");
        var err = ImageFixtures.MaxAbsDiff(logits, want);
        Assert.True(err <= Tolerance, $"{name}: max abs error {err:E2} > {Tolerance:E0}");
        // The reference must depend on the input: logits that are all alike would pass on a broken model.
        Assert.True(want.std().item<float>() > 0.1, $"{name}: reference logits barely vary");
    }

    [Theory]
    [InlineData("vit_b_32")]
    [InlineData("convnext_tiny")]
    [InlineData("convnext_atto")]
    [InlineData("resnet50")]
    [InlineData("resnet18")]
    public void Full_size_preset_has_exactly_torchvision_keys_and_shapes(string arch)
    {
        using var scope = NewDisposeScope();
        using nn.Module<Tensor, Tensor> model = arch switch
        {
            "vit_b_32" => VitImage.B32(),
            "convnext_tiny" => ConvNeXt.Tiny(),
            "convnext_atto" => ConvNeXt.Atto(),
            "resnet50" => ResNet.R50(),
            _ => ResNet.R18(),
        };
        var ours = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        var theirs = ImageFixtures.TorchvisionKeys(arch);
        Assert.Empty(theirs.Keys.Except(ours.Keys));   // missing here
        Assert.Empty(ours.Keys.Except(theirs.Keys));   // extra here
        var mismatched = theirs.Where(kv => !kv.Value.SequenceEqual(ours[kv.Key]))
            .Select(kv => $"{kv.Key}: torchvision [{string.Join(", ", kv.Value)}], ours [{string.Join(", ", ours[kv.Key])}]");
        Assert.Empty(mismatched);
    }

    [Theory]
    [InlineData("vit")]
    [InlineData("convnext")]
    public void Fixture_has_no_default_initialised_tensor(string name)
    {
        // Guards the fixture itself: a tensor left at ones, zeros or layer_scale 1e-6 could hide a wrong key or op.
        using var scope = NewDisposeScope();
        var state = Read(name + ".pth");
        Assert.NotEmpty(state);
        var constant = state.Where(kv => kv.Value.numel() < 2 || (kv.Value.max() - kv.Value.min()).item<float>() == 0).Select(kv => kv.Key);
        Assert.Empty(constant);
    }

    [Fact]
    public void Missing_key_is_named_and_nothing_is_loaded()
    {
        using var scope = NewDisposeScope();
        using var model = ImageFixtures.SmallVit();
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var state = Read("vit.pth");
        const string dropped = "encoder.layers.encoder_layer_1.self_attention.in_proj_bias";
        Assert.True(state.Remove(dropped));
        var e = Assert.Throws<InvalidDataException>(() => TorchvisionCheckpoint.LoadStrict(model, state, "vit.pth"));
        Assert.Contains($"missing 1 [{dropped}]", e.Message);
        Assert.DoesNotContain("unexpected", e.Message);
        Assert.All(model.state_dict(), kv => Assert.True(kv.Value.equal(before[kv.Key]).all().item<bool>(), $"{kv.Key} changed by a failed load"));
    }

    [Fact]
    public void Renamed_key_is_named_as_missing_and_unexpected()
    {
        using var scope = NewDisposeScope();
        using var model = ImageFixtures.SmallConvNeXt();
        var state = Read("convnext.pth");
        Assert.True(state.Remove("features.1.0.layer_scale", out var gamma));
        state["features.1.0.gamma"] = gamma;    // timm's name for the same tensor
        var e = Assert.Throws<InvalidDataException>(() => TorchvisionCheckpoint.LoadStrict(model, state, "convnext.pth"));
        Assert.Contains("missing 1 [features.1.0.layer_scale]", e.Message);
        Assert.Contains("unexpected 1 [features.1.0.gamma]", e.Message);
        Assert.StartsWith("convnext.pth: ", e.Message);
    }

    [Fact]
    public void Other_class_count_is_a_shape_mismatch_naming_the_head()
    {
        using var scope = NewDisposeScope();
        using var model = ImageFixtures.SmallVit(numClasses: 7);
        var e = Assert.Throws<InvalidDataException>(() => TorchvisionCheckpoint.LoadStrict(model, ImageFixtures.File("vit.pth")));
        Assert.Contains("shape mismatch 2", e.Message);
        Assert.Contains("heads.head.weight (checkpoint [5, 32], model [7, 32])", e.Message);
    }

    static Dictionary<string, Tensor> Read(string name) =>
        TorchvisionCheckpoint.FromTorchvision(CheckpointFile.Read(ImageFixtures.File(name))).ToDictionary();
}
