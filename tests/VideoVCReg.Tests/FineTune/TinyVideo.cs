using VideoVCReg.Decoding;
using VideoVCReg.Decoding.Loading;
using VideoVCReg.Models;
using VideoVCReg.Runtime.Data;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.FineTune;

/// <summary>A two-block video ViT and in-memory batches whose class shows as a brighter colour channel.</summary>
static class TinyVideo
{
    public static ModelConfig Config(int classes = 3) => ModelPresets.Get("videomae-s") with
    {
        Name = "tiny", EmbedDim = 32, Depth = 2, NumHeads = 2, Frames = 4, ImageSize = 32, NumClasses = classes, DropPathRate = 0, HeadDropout = 0,
    };

    public static VisionTransformer Model(int classes = 3) => new(Config(classes));

    /// <summary>Fixed batches (same every epoch): noise, plus 1.0 on the channel equal to the label.</summary>
    public static List<(Tensor Clips, Tensor Labels)> Batches(int batches, int batchSize, int classes, int seed)
    {
        var gen = new Generator((ulong)seed);
        var list = new List<(Tensor, Tensor)>();
        for (int b = 0; b < batches; b++)
        {
            var labels = randint(classes, [batchSize], generator: gen);
            var clips = randn([batchSize, 3, 4, 32, 32], generator: gen);
            clips += nn.functional.one_hot(labels, 3).to(float32).reshape(batchSize, 3, 1, 1, 1);
            list.Add((clips.DetachFromDisposeScope(), labels.DetachFromDisposeScope()));
        }
        return list;
    }

    public static IEnumerable<Batch> AsClipBatches(IEnumerable<(Tensor Clips, Tensor Labels)> batches) =>
        batches.Select((b, i) => new Batch(i, b.Clips.alias(), b.Labels.alias(),
            [.. Enumerable.Range(0, (int)b.Labels.shape[0]).Select(k => $"v{i}_{k}")], [.. Enumerable.Repeat(0, (int)b.Labels.shape[0])]));
}
