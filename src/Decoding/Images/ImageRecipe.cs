namespace VideoVCReg.Decoding.Images;

/// <summary>
/// The image-training parts of torchvision's classification recipes that act on ImageFolder data: the augmentation policy
/// (<c>--auto-augment ta_wide|imagenet|none</c>), RandomErasing (<c>--random-erase</c>), the training crop and the
/// evaluation resize (<c>--train-crop-size</c>, <c>--val-resize-size</c>), and the repeated-augmentation sampler
/// (<c>--ra-reps</c>; 1 is off).
/// </summary>
public sealed record ImageRecipe(string AutoAugment = "none", double RandomErase = 0, int? TrainCropSize = null, int? ValResizeSize = null, int RaReps = 1)
{
    public static readonly string[] Policies = ["none", "ta_wide", "imagenet"];

    /// <summary>Whether any part differs from plain views (CIFAR-format data ignores them, with a warning).</summary>
    public bool Any => AutoAugment != "none" || RandomErase > 0 || TrainCropSize is not null || ValResizeSize is not null || RaReps > 1;

    public IReadOnlyList<string> Problems()
    {
        var p = new List<string>();
        if (!Policies.Contains(AutoAugment)) p.Add($"Data:AutoAugment (--auto-augment) must be {string.Join(", ", Policies)} (got '{AutoAugment}')");
        if (!(RandomErase >= 0 && RandomErase <= 1)) p.Add($"Data:RandomErase (--random-erase) must be in [0, 1] (got {RandomErase})");
        if (TrainCropSize is < 16 or > 4096) p.Add($"Data:TrainCropSize (--train-crop-size) must be in [16, 4096] (got {TrainCropSize})");
        if (ValResizeSize is < 16 or > 4096) p.Add($"Data:ValResizeSize (--val-resize-size) must be in [16, 4096] (got {ValResizeSize})");
        if (RaReps is < 1 or > 16) p.Add($"Data:RaReps (--ra-reps) must be in [1, 16] (got {RaReps})");
        return p;
    }
}
