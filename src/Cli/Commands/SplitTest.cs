using Microsoft.Extensions.Logging;
using TorchSharp;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Decoding.Datasets;
using VideoVCReg.Decoding.Loading;
using VideoVCReg.Decoding.Transforms;
using VideoVCReg.Eval;
using VideoVCReg.Models;
using static TorchSharp.torch;

namespace VideoVCReg.Cli.Commands;

/// <summary>What `finetune` and `eval` share: the clip views a model expects, and scoring a split's test videos.</summary>
static class SplitTest
{
    public static ViewOptions Views(ModelConfig c, DataOptions data) => new()
    {
        ClipLength = c.Frames, SamplingRate = data.SamplingRate, CropSize = c.ImageSize,
        TrainShortSide = (int)Math.Round(c.ImageSize * 256 / 224.0), // VideoMAE decodes at 256 for 224 crops
        Normalization = Normalization.Named(c.Normalization), NoiseSigma = data.Noise,
        TestClips = data.TestClips, TestCrops = data.TestCrops,
    };

    /// <summary>Every view of every test video through the model; videos that fail to decode are left out and returned.</summary>
    public static (EvalResult Result, IReadOnlyDictionary<string, string> Skipped) Score(nn.Module<Tensor, Tensor> model, MediaDataset test,
        ViewOptions views, int batch, int workers, int seed, Device device, ILogger log, CancellationToken cancel)
    {
        var loader = new VideoLoader(test, new ViewPipeline(views, ViewMode.Test), new LoaderOptions(batch, workers, seed), log);
        var result = Evaluator.Run(model, loader.Epoch(0, cancel), device, cancel);
        return (result, loader.SkippedVideos);
    }
}
