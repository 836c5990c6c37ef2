using System.Globalization;
using TorchSharp;
using VideoVCReg.FineTune;
using VideoVCReg.Runtime.IO;
using VideoVCReg.Models.SelfSupervised;
using VideoVCReg.Tests.Support;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Regularization;

/// <summary>NT-Xent, the VICReg loss and LARS against reference PyTorch implementations written at test time.</summary>
public class SelfSupervisedTests
{
    static string Fixture => Path.Combine(AppContext.BaseDirectory, "fixtures", "ssl", "torch_ssl.py");

    [Fact]
    public void NtXent_and_vicreg_equal_the_reference_in_value_and_gradient_and_lars_in_its_steps()
    {
        var dir = Directory.CreateTempSubdirectory("ssl-").FullName;
        try
        {
            PythonScript.Run(Fixture, dir);
            Tensor Load(string name) => NpyFile.ReadFloat32(Path.Combine(dir, name + ".npy"));
            double Value(string name) => double.Parse(File.ReadAllText(Path.Combine(dir, name + ".txt")), CultureInfo.InvariantCulture);
            foreach (var name in new[] { "ntxent", "vicreg" })
            {
                var z1 = Load("z1").to(ScalarType.Float64).requires_grad_(true);
                var z2 = Load("z2").to(ScalarType.Float64).requires_grad_(true);
                var loss = name == "ntxent" ? SslLosses.NtXent(z1, z2, 0.1) : SslLosses.VicReg(z1, z2).Loss;
                loss.backward();
                double expected = Value(name);
                Assert.True(Math.Abs(loss.ToDouble() - expected) <= 1e-6 * Math.Abs(expected), $"{name}: {loss.ToDouble()} vs {expected}");
                // The reference gradients were saved as float32: within 1e-6 of their largest entry.
                foreach (var (grad, file) in new[] { (z1.grad!, $"{name}_g1"), (z2.grad!, $"{name}_g2") })
                {
                    var reference = Load(file).to(ScalarType.Float64);
                    double scale = reference.abs().max().ToDouble();
                    Assert.True((grad - reference).abs().max().ToDouble() <= 1e-6 * scale, $"{file}: {(grad - reference).abs().max().ToDouble():E2} apart (scale {scale:E2})");
                }
            }

            // LARS: the weight adapts (weight decay, trust ratio), the bias is excluded, as the references filter 1-d parameters.
            var w = new TorchSharp.Modules.Parameter(Load("w0"));
            var b = new TorchSharp.Modules.Parameter(Load("b0"));
            var recipe = new TrainOptions { Optimizer = "lars", BatchSize = 256, BaseLr = 0.2, Momentum = 0.9 };
            using var optimizer = Optimizers.Create(recipe, [new ParameterGroup("layer_0_decay", [w], 1, 1e-4), new ParameterGroup("layer_0_no_decay", [b], 1, 0)]);
            var x = Load("x");
            var y = Load("y").to(ScalarType.Int64);
            for (int i = 0; i < 5; i++)
            {
                optimizer.zero_grad();
                nn.functional.cross_entropy(x.matmul(w.t()) + b, y).backward();
                optimizer.step();
            }
            Assert.True(w.allclose(Load("lars_w"), rtol: 0, atol: 1e-6), $"LARS weights {(w - Load("lars_w")).abs().max().ToSingle():E2} apart");
            Assert.True(b.allclose(Load("lars_b"), rtol: 0, atol: 1e-6), $"LARS biases {(b - Load("lars_b")).abs().max().ToSingle():E2} apart");
        }
        finally { Directory.Delete(dir, true); }
    }
}
