using TorchSharp;
using VideoVCReg.Models;
using VideoVCReg.Models.Image;
using VideoVCReg.Models.Layers;
using VideoVCReg.Runtime;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Models;

/// <summary>
/// `--amp`: inside an <see cref="Autocast"/> scope the models' linear and convolution layers compute in bfloat16 from
/// float32 weights, and every float32 parameter gets the float32 gradient of that bfloat16 computation, as under
/// torch.autocast; outside it nothing changes, down to the random stream that initialises the layers.
/// </summary>
[Collection(VideoVCReg.Tests.Support.GlobalRngCollection.Name)]
public class AutocastTests
{
    static bool Equal(Tensor a, Tensor b) => a.dtype == b.dtype && a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    [Fact]
    public void The_layers_draw_exactly_the_initial_weights_of_torchsharps_own_and_consume_the_same_random_stream()
    {
        void Same(Func<nn.Module<Tensor, Tensor>> ours, Func<nn.Module<Tensor, Tensor>> theirs)
        {
            manual_seed(17);
            var a = ours();
            var nextA = randn(4);
            manual_seed(17);
            var b = theirs();
            var nextB = randn(4);
            var sa = a.state_dict();
            var sb = b.state_dict();
            Assert.Equal(sb.Keys.OrderBy(k => k), sa.Keys.OrderBy(k => k));
            foreach (var (k, v) in sb) Assert.True(Equal(v, sa[k]), $"{k} differs");
            Assert.True(Equal(nextA, nextB), "the layers left the random stream elsewhere");
        }
        Same(() => new AutocastLinear(7, 5), () => nn.Linear(7, 5));
        Same(() => new AutocastLinear(7, 5, hasBias: false), () => nn.Linear(7, 5, hasBias: false));
        Same(() => new AutocastConv2d(6, 6, 7, padding: 3, groups: 6), () => nn.Conv2d(6, 6, 7, padding: 3, groups: 6));
        Same(() => new AutocastConv2d(3, 8, 3, stride: 2, padding: 1, bias: false), () => nn.Conv2d(3, 8, 3, stride: 2, padding: 1, bias: false));
        Same(() => new AutocastConv3d(3, 8, (2, 4, 4), (2, 4, 4)), () => nn.Conv3d(3, 8, (2, 4, 4), (2, 4, 4)));
    }

    [Fact]
    public void Inside_a_scope_linear_and_convolution_run_in_bfloat16_and_return_float32_gradients_of_it()
    {
        manual_seed(3);
        var linear = new AutocastLinear(24, 16);
        var conv = new AutocastConv2d(4, 6, 3, padding: 1);
        var x = randn(5, 24);
        var maps = randn(2, 4, 9, 9);
        var g = randn(5, 16);
        var gMaps = randn(2, 6, 9, 9);

        Tensor y, yMaps;
        using (Autocast.Enter(ScalarType.BFloat16))
        {
            y = linear.call(x);
            yMaps = conv.call(maps);
        }
        Assert.Equal(ScalarType.BFloat16, y.dtype);
        Assert.Equal(ScalarType.BFloat16, yMaps.dtype);
        (y.to_type(ScalarType.Float32).mul(g).sum() + yMaps.to_type(ScalarType.Float32).mul(gMaps).sum()).backward();

        // The reference: the same products on bfloat16 leaves, whose gradients are then widened.
        var w = linear.weight.detach().to_type(ScalarType.BFloat16).requires_grad_(true);
        var b = linear.bias!.detach().to_type(ScalarType.BFloat16).requires_grad_(true);
        var cw = conv.weight.detach().to_type(ScalarType.BFloat16).requires_grad_(true);
        var cb = conv.bias!.detach().to_type(ScalarType.BFloat16).requires_grad_(true);
        var yRef = nn.functional.linear(x.to_type(ScalarType.BFloat16), w, b);
        var yMapsRef = nn.functional.conv2d(maps.to_type(ScalarType.BFloat16), cw, cb, padding: [1, 1]);
        (yRef.to_type(ScalarType.Float32).mul(g).sum() + yMapsRef.to_type(ScalarType.Float32).mul(gMaps).sum()).backward();

        Assert.True(Equal(y, yRef), "the linear output is not the bfloat16 product");
        Assert.True(Equal(yMaps, yMapsRef), "the convolution output is not the bfloat16 convolution");
        foreach (var (p, reference) in new[] { (linear.weight, w), (linear.bias!, b), (conv.weight, cw), (conv.bias!, cb) })
        {
            Assert.Equal(ScalarType.Float32, p.grad!.dtype);
            Assert.True(Equal(p.grad, reference.grad!.to_type(ScalarType.Float32)), "a parameter's gradient is not the widened bfloat16 one");
        }
        // bfloat16 really was used: the float32 product differs.
        Assert.True((linear.call(x) - y.to_type(ScalarType.Float32)).abs().max().ToSingle() > 1e-4);
    }

    [Fact]
    public void Outside_a_scope_nothing_changes_and_a_scope_does_not_leak()
    {
        manual_seed(4);
        var linear = new AutocastLinear(8, 3);
        var x = randn(2, 8);
        using (Autocast.Enter(ScalarType.BFloat16)) { }
        var y = linear.call(x);
        Assert.Equal(ScalarType.Float32, y.dtype);
        Assert.True(Equal(y, nn.functional.linear(x, linear.weight, linear.bias)));
        Assert.Null(Autocast.Compute);
        // Scopes nest and restore the outer one, as torch.autocast(enabled=False) inside an autocast region.
        using (Autocast.Enter(ScalarType.BFloat16))
        {
            using (Autocast.Enter(null)) Assert.Equal(ScalarType.Float32, linear.call(x).dtype);
            Assert.Equal(ScalarType.BFloat16, linear.call(x).dtype);
        }
        Assert.Throws<ArgumentException>(() => Autocast.Enter(ScalarType.Float64));
    }

    [Fact]
    public void The_training_loss_is_computed_in_float32_from_low_precision_logits()
    {
        Assert.Equal(ScalarType.Float32, Autocast.Full(ones(2, dtype: ScalarType.BFloat16)).dtype);
        Assert.Equal(ScalarType.Float32, Autocast.Full(ones(2, dtype: ScalarType.Float16)).dtype);
        Assert.Equal(ScalarType.Float64, Autocast.Full(ones(2, dtype: ScalarType.Float64)).dtype);
        manual_seed(6);
        var net = new VisionTransformer(new ModelConfig { Name = "t", EmbedDim = 32, Depth = 1, NumHeads = 2, Tubelet = 2, PatchSize = 8, Frames = 2, ImageSize = 16, NumClasses = 3 });
        net.eval(); // the same function in both forwards
        var objective = new VideoVCReg.FineTune.Objectives.SupervisedObjective(net, new VideoVCReg.FineTune.TrainOptions { Mixup = 0, Cutmix = 0 }, seed: 1);
        var x = randn([2, 3, 2, 16, 16]);
        var y = tensor(new long[] { 0, 2 });
        Tensor lowLoss;
        using (Autocast.Enter(ScalarType.BFloat16)) lowLoss = objective.Step(x, y, 0, 0).Loss;
        // As autocast runs cross-entropy: in float32, on the bfloat16 logits widened.
        Assert.Equal(ScalarType.Float32, lowLoss.dtype);
        Tensor logits;
        using (Autocast.Enter(ScalarType.BFloat16)) logits = net.call(x);
        var expected = nn.functional.cross_entropy(logits.to_type(ScalarType.Float32), y, label_smoothing: 0.1);
        Assert.Equal(expected.ToDouble(), lowLoss.ToDouble(), 12);
    }
}
