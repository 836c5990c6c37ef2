using VideoVCReg.Decoding.Transforms;

namespace VideoVCReg.Decoding.Loading;

public enum ViewMode { Train, Test }

/// <summary>
/// How an item becomes views; defaults are VideoMAE's fine-tuning ones. <see cref="TrainShortSide"/> is the
/// decode size of training clips before the random resized crop (0 = native); test clips are decoded at
/// short side <see cref="CropSize"/> and cropped along the long side, as VideoMAE's test mode does.
/// <see cref="RandAugment"/> null turns it off; <see cref="NoiseSigma"/> &gt; 0 adds the §5.3 corruption.
/// </summary>
public sealed record ViewOptions
{
    public int ClipLength { get; init; } = 16;
    public int SamplingRate { get; init; } = 4;
    public int CropSize { get; init; } = 224;
    public int TrainShortSide { get; init; } = 256;
    /// <summary>Smallest share of the frame the training random resized crop keeps (MMAction2's <c>area_range</c> minimum); VideoMAE's 0.08.</summary>
    public double CropMinArea { get; init; } = 0.08;
    public string? RandAugment { get; init; } = Transforms.RandAugment.VideoMaeSpec;
    public bool HorizontalFlip { get; init; } = true;
    public double ErasingProbability { get; init; } = 0.25;
    public Normalization Normalization { get; init; } = Normalization.ImageNet;
    public double NoiseSigma { get; init; }
    public int TestClips { get; init; } = 10;
    public int TestCrops { get; init; } = 3;
    /// <summary>Training views per video per epoch, each augmented on its own (VideoMAE's repeated augmentation, --num_sample).</summary>
    public int TrainViews { get; init; } = 1;
    /// <summary>Turn phone videos upright by their display rotation before any crop (the ffmpeg CLI's default).</summary>
    public bool AutoRotate { get; init; } = true;
}
