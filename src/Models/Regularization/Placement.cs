namespace VideoVCReg.Models.Regularization;

/// <summary>Where a regularizer sits (paper appendix A, Table 7).</summary>
[Flags]
public enum Placement
{
    None = 0,
    /// <summary>The input of the classifier.</summary>
    Head = 1,
    /// <summary>The output of every block, after the residual.</summary>
    Blocks = 2,
    /// <summary>The output of every downsampling layer (ConvNeXt and ResNet stages).</summary>
    Downsample = 4,
    BlocksAndDownsample = Blocks | Downsample,
}

public static class PlacementNames
{
    public static Placement Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "none" => Placement.None,
        "head" => Placement.Head,
        "blocks" => Placement.Blocks,
        "downsample" => Placement.Downsample,
        "blocks+downsample" => Placement.BlocksAndDownsample,
        "head+blocks" => Placement.Head | Placement.Blocks,
        _ => throw new ArgumentException($"unknown placement '{text}': expected head, blocks, downsample or blocks+downsample"),
    };
}
