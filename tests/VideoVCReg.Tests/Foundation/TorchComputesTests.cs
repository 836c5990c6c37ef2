using TorchSharp;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Foundation;

/// <summary>Proves the patched native TorchSharp loads and computes, forward and backward, after a clean build.</summary>
public class TorchComputesTests
{
    [Fact]
    public void Linear_layer_forward_and_backward_match_the_closed_form()
    {
        // y = x Wᵀ + b, L = ½ Σ y²  ⇒  ∂L/∂W = yᵀ x, ∂L/∂b = Σ_rows y, ∂L/∂x = y W.
        using var scope = NewDisposeScope();
        var x = tensor(new double[] { 1, 2, 3, -1, 0.5, 4 }, new long[] { 2, 3 }, float64, requires_grad: true);
        var w = tensor(new double[] { 0.1, -0.2, 0.3, 0.4, 0.5, -0.6 }, new long[] { 2, 3 }, float64, requires_grad: true);
        var b = tensor(new double[] { 0.05, -0.05 }, float64, requires_grad: true);

        var y = nn.functional.linear(x, w, b);
        var loss = 0.5 * y.pow(2).sum();
        loss.backward();

        double[,] X = { { 1, 2, 3 }, { -1, 0.5, 4 } }, W = { { 0.1, -0.2, 0.3 }, { 0.4, 0.5, -0.6 } };
        double[] B = { 0.05, -0.05 };
        var Y = new double[2, 2];
        for (int i = 0; i < 2; i++) for (int o = 0; o < 2; o++) { Y[i, o] = B[o]; for (int k = 0; k < 3; k++) Y[i, o] += X[i, k] * W[o, k]; }

        for (int i = 0; i < 2; i++) for (int o = 0; o < 2; o++) Assert.Equal(Y[i, o], y[i, o].item<double>(), 12);
        for (int o = 0; o < 2; o++)
        {
            for (int k = 0; k < 3; k++) Assert.Equal(Y[0, o] * X[0, k] + Y[1, o] * X[1, k], w.grad![o, k].item<double>(), 12);
            Assert.Equal(Y[0, o] + Y[1, o], b.grad![o].item<double>(), 12);
        }
        for (int i = 0; i < 2; i++) for (int k = 0; k < 3; k++)
            Assert.Equal(Y[i, 0] * W[0, k] + Y[i, 1] * W[1, k], x.grad![i, k].item<double>(), 12);
    }

    [Fact]
    public void A_small_network_trains_on_cpu()
    {
        // A two-layer MLP learns XOR: loss must drop by two orders of magnitude.
        torch.manual_seed(1);
        using var scope = NewDisposeScope();
        var net = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1));
        var x = tensor(new float[] { 0, 0, 0, 1, 1, 0, 1, 1 }, new long[] { 4, 2 });
        var t = tensor(new float[] { 0, 1, 1, 0 }, new long[] { 4, 1 });
        var opt = optim.Adam(net.parameters(), 0.05);
        float first = 0, last = 0;
        for (int step = 0; step < 300; step++)
        {
            opt.zero_grad();
            var loss = nn.functional.mse_loss(net.call(x), t);
            loss.backward();
            opt.step();
            if (step == 0) first = loss.item<float>();
            last = loss.item<float>();
        }
        Assert.True(last < first / 100, $"loss went from {first} to {last}");
    }
}
