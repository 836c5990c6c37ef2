namespace VideoVCReg.Experiment.Video;

/// <summary>
/// Where training data comes from and how clips are cut, bound from the `Data` configuration section. No
/// <see cref="Path"/> means the synthetic motion dataset, written once under the run's output folder.
/// <see cref="Path"/> is a dataset spec (<see cref="Decoding.Datasets.DatasetSpec"/>): hmdb51:DIR or a bare DIR, ucf101:DIR, kinetics:DIR, list:DIR.
/// Defaults follow VideoMAE's HMDB51 scripts (sampling rate 2) and the paper's test protocol (10 clips × 3 crops).
/// </summary>
public sealed record DataOptions
{
    public string? Path { get; init; }
    /// <summary>list:DIR only: where the lists' relative paths start, and the folder their absolute paths must be in (VideoMAE's prefix).</summary>
    public string? VideoRoot { get; init; }
    /// <summary>Largest share of a split's train or test videos that may be missing before a run refuses to start (Kinetics loses clips to YouTube).</summary>
    public double MaxMissing { get; init; } = Decoding.Datasets.DatasetSplits.DefaultMaxMissing;
    /// <summary>Official splits to run, each from the same starting weights: "1", "1,3" or "all".</summary>
    public string Split { get; init; } = "1";
    public double ValidationShare { get; init; } = 0.1;
    [VideoVCReg.Runtime.RunControl]
    public int Workers { get; init; } = 2;
    public int SamplingRate { get; init; } = 2;
    /// <summary>σ of the §5.3 Gaussian corruption on normalised clips (train and test); 0 is off.</summary>
    public double Noise { get; init; }
    public int TestClips { get; init; } = 10;
    public int TestCrops { get; init; } = 3;
    /// <summary>
    /// Horizontal flips in training; null: on for a dataset, off for the synthetic one, whose classes are motion
    /// directions (a mirror turns "left" into "right": the flipped clip would carry the wrong label).
    /// </summary>
    public bool? Flip { get; init; }
    /// <summary>RandAugment spec for training clips (VideoMAE's rand-m7-n4-mstd0.5-inc1); "none" turns it off.</summary>
    public string RandAugment { get; init; } = Decoding.Transforms.RandAugment.VideoMaeSpec;
    /// <summary>Smallest area share the training random resized crop keeps (VideoMAE's 0.08; MMAction2's area_range minimum).</summary>
    public double CropMinArea { get; init; } = 0.08;
    public int SynthClasses { get; init; } = 8;
    public int SynthVideosPerClass { get; init; } = 12;
    /// <summary>
    /// Synthetic data (the dataset and the rendered pretraining source): a background hue following the class's
    /// direction, ± this many degrees (a partial scene cue, as a pool goes with swimming); null: motion only.
    /// </summary>
    public double? SceneColourJitter { get; init; }
    /// <summary>Image training views (ImageFolder data): "ta_wide" (TrivialAugmentWide) or "imagenet" (AutoAugment's ImageNet policy); "none" or null: off.</summary>
    public string? AutoAugment { get; init; }
    /// <summary>Image training views (ImageFolder data): torchvision's RandomErasing with this probability; 0: off.</summary>
    public double RandomErase { get; init; }
    /// <summary>ImageFolder data: torchvision's --train-crop-size (convolutional networks); null: the preset's input size.</summary>
    public int? TrainCropSize { get; init; }
    /// <summary>ImageFolder data: torchvision's --val-resize-size; null: ⌊size / crop ratio⌋.</summary>
    public int? ValResizeSize { get; init; }
    /// <summary>ImageFolder training: torchvision's repeated-augmentation sampler with this many repeats (--ra-sampler --ra-reps); 1: off.</summary>
    public int RaReps { get; init; } = 1;

    /// <summary>The image-recipe part of these options.</summary>
    public Decoding.Images.ImageRecipe Images() => new(AutoAugment ?? "none", RandomErase, TrainCropSize, ValResizeSize, RaReps);

    /// <summary>The dataset <see cref="Path"/> names; null for the synthetic one.</summary>
    public Decoding.Datasets.DatasetSpec? Dataset() => Path is null
        ? VideoRoot is null ? null : throw new FormatException("--video-root needs --data list:DIR")
        : Decoding.Datasets.DatasetSpec.Parse(Path, VideoRoot);

    /// <summary>The splits to run: <see cref="Split"/> as the dataset's layout reads it (one split for Kinetics and list folders).</summary>
    public IReadOnlyList<int> Folds() => Dataset()?.Folds(Split) ?? SplitList();

    public IReadOnlyList<int> SplitList()
    {
        if (Split.Trim() == "all") return [1, 2, 3];
        var parts = Split.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var list = parts.Select(s => int.TryParse(s, out var k) && k is >= 1 and <= 3 ? k : -1).Distinct().ToList();
        if (list.Count == 0 || list.Contains(-1))
            throw new FormatException($"Data:Split (--split) must be 1, 2, 3, a comma list of them or all (got '{Split}')");
        return list;
    }

    public IReadOnlyList<string> Problems()
    {
        var p = new List<string>();
        try { Folds(); } catch (FormatException e) { p.Add(e.Message); }
        if (!(MaxMissing >= 0 && MaxMissing <= 1)) p.Add($"Data:MaxMissing (--max-missing) must be a share in [0, 1] (got {MaxMissing})");
        if (!(ValidationShare >= 0 && ValidationShare < 1)) p.Add($"Data:ValidationShare (--val-share) must be in [0, 1) (got {ValidationShare})");
        if (Workers < 1) p.Add($"Data:Workers must be ≥ 1 (got {Workers})");
        if (SamplingRate < 1) p.Add($"Data:SamplingRate must be ≥ 1 (got {SamplingRate})");
        if (!(Noise >= 0 && double.IsFinite(Noise))) p.Add($"Data:Noise (--noise) must be a finite σ ≥ 0 (got {Noise})");
        p.AddRange(Images().Problems());
        if (TestClips < 1 || TestCrops < 1) p.Add($"Data:TestClips and Data:TestCrops must be ≥ 1 (got {TestClips}, {TestCrops})");
        if (SynthClasses < 2 || SynthVideosPerClass < 4) p.Add("Data:SynthClasses must be ≥ 2 and Data:SynthVideosPerClass ≥ 4");
        if (SceneColourJitter is double j && !(j >= 0 && j <= 180)) p.Add($"Data:SceneColourJitter (--scene-colour-jitter) must be in [0, 180] degrees (got {j})");
        if (!(CropMinArea > 0 && CropMinArea <= 1)) p.Add($"Data:CropMinArea (--crop-min-area) must be in (0, 1] (got {CropMinArea})");
        if (RandAugment != "none")
            try { Decoding.Transforms.RandAugment.Parse(RandAugment); }
            catch (Exception e) when (e is NotSupportedException or FormatException or ArgumentException) { p.Add($"Data:RandAugment (--rand-augment): {e.Message}"); }
        return p;
    }
}
