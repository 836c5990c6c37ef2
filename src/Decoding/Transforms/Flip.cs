using static TorchSharp.torch;

namespace VideoVCReg.Decoding.Transforms;

public static class Flip
{
    /// <summary>Mirror left–right: the W axis of <c>[C, T, H, W]</c> reversed.</summary>
    public static Tensor Horizontal(Tensor clip) => clip.flip(3);
}
