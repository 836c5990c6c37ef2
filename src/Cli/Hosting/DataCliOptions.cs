using System.CommandLine;
using VideoVCReg.Decoding.Datasets;

namespace VideoVCReg.Cli.Hosting;

/// <summary>The command-line face of the `Data` configuration section, shared by `finetune` and `eval`.</summary>
public static class DataCliOptions
{
    /// <summary>Adds the dataset and view options; <paramref name="training"/> adds the hold-out share too.</summary>
    public static void AddTo(Command command, bool training)
    {
        command.Options.Add(Option<string>("--data", "Path", $"Video dataset: {DatasetSpec.Accepted}{(training ? "; absent: a synthetic one under --out" : "")}"));
        command.Options.Add(Option<string>("--split", "Split", "Official splits: 1, 2, 3, a list such as 1,3, or all (default 1); kinetics: and list: data have one split (1 or all)"));
        AddDatasetChecks(command);
        if (training)
        {
            command.Options.Add(Option<double>("--val-share", "ValidationShare", "Share of the training split held out for per-epoch validation (default 0.1)"));
            AddAugmentation(command);
        }
        else AddClipOptions(command);
        AddWorkers(command);
        command.Options.Add(Option<int>("--test-clips", "TestClips", "Temporal clips per test video (default 10)"));
        command.Options.Add(Option<int>("--test-crops", "TestCrops", "Spatial crops per test clip (default 3)"));
    }

    /// <summary>The options that go with a dataset spec: list files' video root, and the share of missing videos a run accepts.</summary>
    public static void AddDatasetChecks(Command command)
    {
        command.Options.Add(Option<string>("--video-root", "VideoRoot", "list:DIR only: where the lists' relative paths start and the folder their absolute paths must be in (default DIR)"));
        command.Options.Add(Option<double>("--max-missing", "MaxMissing", "Largest share of a split's train or test videos that may be missing before the run stops (default 0.2)"));
    }

    /// <summary>Background decode workers, for any source read from files.</summary>
    public static void AddWorkers(Command command) =>
        command.Options.Add(Option<int>("--workers", "Workers", "Decode workers (default 2)"));

    /// <summary>The ImageNet augmentations of torchvision's image recipes (ImageFolder data).</summary>
    public static void AddImageAugmentation(Command command)
    {
        command.Options.Add(Option<string>("--auto-augment", "AutoAugment", "Image training views (ImageFolder data): ta_wide (torchvision's TrivialAugmentWide), imagenet (AutoAugment's ImageNet policy) or none (default)"));
        command.Options.Add(Option<int>("--train-crop-size", "TrainCropSize", "ImageFolder training crop (torchvision's --train-crop-size; convolutional networks); default the preset's input size"));
        command.Options.Add(Option<int>("--val-resize-size", "ValResizeSize", "ImageFolder evaluation resize before the centre crop (torchvision's --val-resize-size); default size / crop ratio"));
        command.Options.Add(Option<int>("--ra-reps", "RaReps", "torchvision's repeated-augmentation sampler (--ra-sampler --ra-reps R): each image R times an epoch, the epoch cut to ⌊n/256⌋·256; default 1 (off)"));
        command.Options.Add(Option<double>("--random-erase", "RandomErase", "Image training views (ImageFolder data): torchvision's RandomErasing with this probability (default 0)"));
    }

    /// <summary>How training clips are cut and augmented, for any video source.</summary>
    public static void AddAugmentation(Command command)
    {
        command.Options.Add(Option<bool>("--flip", "Flip", "Horizontal flips in training: true or false (default: on for --data, off for the synthetic motion classes)"));
        command.Options.Add(Option<string>("--rand-augment", "RandAugment", "RandAugment spec for training clips, or none (default rand-m7-n4-mstd0.5-inc1)"));
        command.Options.Add(Option<double>("--crop-min-area", "CropMinArea", "Smallest area share kept by the training random resized crop (default 0.08)"));
        command.Options.Add(Option<double>("--scene-colour-jitter", "SceneColourJitter", "Synthetic data only: a background hue that follows the class's direction, ± this many degrees (a partial scene cue); absent: motion only"));
        AddClipOptions(command);
    }

    static void AddClipOptions(Command command)
    {
        command.Options.Add(Option<int>("--sampling-rate", "SamplingRate", "Take every N-th frame (default 2, VideoMAE's HMDB51 setting)"));
        command.Options.Add(Option<double>("--noise", "Noise", "σ of Gaussian noise added to normalised clips (paper §5.3; default 0)"));
    }

    static ConfigOption<T> Option<T>(string name, string key, string description) => new ConfigOption<T>(name, $"Data:{key}", description).Init();
}
