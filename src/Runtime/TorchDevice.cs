using TorchSharp;

namespace VideoVCReg.Runtime;

/// <summary>Turns the user's `--device auto|cpu|cuda` into a torch device.</summary>
public static class TorchDevice
{
    public static readonly string[] Choices = ["auto", "cpu", "cuda"];

    public static torch.Device Resolve(string choice) => choice.ToLowerInvariant() switch
    {
        "auto" => torch.cuda.is_available() ? torch.CUDA : torch.CPU,
        "cpu" => torch.CPU,
        "cuda" when torch.cuda.is_available() => torch.CUDA,
        "cuda" => throw new InvalidOperationException(
            "--device cuda: no CUDA device is available (this build uses TorchSharp-cpu unless built with -p:TorchBackend=cuda)"),
        _ => throw new ArgumentException($"--device {choice}: expected one of {string.Join(", ", Choices)}"),
    };
}
