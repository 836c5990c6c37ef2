using static TorchSharp.torch;

namespace VideoVCReg.Decoding.Transforms;

/// <summary>Per-channel (x − mean) / std on a clip in [0, 1]. Named once here so no literal is repeated elsewhere.</summary>
public sealed record Normalization(float[] Mean, float[] Std)
{
    public static Normalization ImageNet { get; } = new([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);
    /// <summary>Maps [0, 1] to [−1, 1]: ViViT's (and Inception's) input range.</summary>
    public static Normalization Inception { get; } = new([0.5f, 0.5f, 0.5f], [0.5f, 0.5f, 0.5f]);

    /// <summary>The preset names used by model presets (<c>normalization</c> in configs/models.json).</summary>
    public static Normalization Named(string name) => name switch
    {
        "imagenet" => ImageNet,
        "inception" => Inception,
        _ => throw new ArgumentException($"unknown normalization '{name}' (imagenet or inception)"),
    };

    public Tensor Apply(Tensor clip)
    {
        using var mean = tensor(Mean).view(-1, 1, 1, 1);
        using var std = tensor(Std).view(-1, 1, 1, 1);
        return clip.sub(mean).div_(std);
    }
}
