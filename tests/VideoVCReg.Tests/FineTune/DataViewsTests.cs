using VideoVCReg.Experiment;
using VideoVCReg.Experiment.Video;
using VideoVCReg.Cli.Commands;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Models;

namespace VideoVCReg.Tests.FineTune;

/// <summary>How the Data settings become the clip views a run trains on.</summary>
public class DataViewsTests
{
    static readonly ModelConfig Model = ModelPresets.Get("videomae-s");

    [Fact]
    public void The_synthetic_motion_classes_are_never_mirrored_unless_asked_and_datasets_are()
    {
        // The synthetic classes are directions of motion: a mirror would give a "left" clip the "right" label.
        Assert.False(VideoSplits.Views(Model.Input, new DataOptions()).HorizontalFlip);
        Assert.True(VideoSplits.Views(Model.Input, new DataOptions { Path = "/data/hmdb51" }).HorizontalFlip);
        Assert.True(VideoSplits.Views(Model.Input, new DataOptions { Flip = true }).HorizontalFlip);
        Assert.False(VideoSplits.Views(Model.Input, new DataOptions { Path = "/data/hmdb51", Flip = false }).HorizontalFlip);
    }

    [Fact]
    public void Rand_augment_and_crop_area_reach_the_views_and_bad_values_are_named()
    {
        var v = VideoSplits.Views(Model.Input, new DataOptions { RandAugment = "none", CropMinArea = 0.3 });
        Assert.Null(v.RandAugment);
        Assert.Equal(0.3, v.CropMinArea);
        Assert.Equal(VideoVCReg.Decoding.Transforms.RandAugment.VideoMaeSpec, VideoSplits.Views(Model.Input, new DataOptions()).RandAugment);
        Assert.Contains(new DataOptions { CropMinArea = 0 }.Problems(), p => p.StartsWith("Data:CropMinArea"));
        Assert.Contains(new DataOptions { RandAugment = "rand-m9-n2" }.Problems(), p => p.StartsWith("Data:RandAugment"));
    }
}
