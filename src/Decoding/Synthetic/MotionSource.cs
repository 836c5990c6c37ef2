using VideoVCReg.Decoding.Datasets;
using VideoVCReg.Decoding.Loading;
using VideoVCReg.Runtime.Data;
using static TorchSharp.torch;

namespace VideoVCReg.Decoding.Synthetic;

/// <summary>
/// An endless supply of freshly rendered clips of the given motion classes: the "source" data for
/// supervised pretraining on synthetic video, the way Kinetics is the source the paper transfers from. Every
/// clip is a new video (size, frame count, shapes, texture and noise drawn as <see cref="SyntheticDataset"/>
/// draws them), rendered straight into frames without a codec, sampled and augmented by the same
/// <see cref="ViewPipeline"/> as decoded videos. A view is a pure function of (seed, epoch, batch, row), so an
/// epoch repeats exactly, on a resume too.
/// </summary>
/// <remarks>
/// Rendering, not a written dataset: a ViT from random weights needs thousands of distinct videos before it
/// generalises, and encoding then decoding them would cost more than the training steps they feed.
/// </remarks>
public sealed class MotionSource(IReadOnlyList<MotionClass> classes, ViewPipeline pipeline, int batchSize, int batchesPerEpoch, int seed, double? sceneHueJitter = null)
{
    public IReadOnlyList<MotionClass> Classes => classes;
    public int BatchesPerEpoch => batchesPerEpoch;

    /// <summary>Classes the target dataset does not have: its eight directions turned by 22.5°, at speeds no target class uses.</summary>
    public static IReadOnlyList<MotionClass> Disjoint(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new MotionClass(i, 2 * Math.PI * (i % 8 + 0.5) / 8, 1.0 + 1.25 * (i / 8)))];

    public IEnumerable<Batch> Epoch(int epoch, CancellationToken cancel = default)
    {
        // One batch rendered ahead on the thread pool, so rendering overlaps the training step.
        Task<Batch>? next = Task.Run(() => Render(epoch, 0, cancel), cancel);
        for (int b = 0; b < batchesPerEpoch; b++)
        {
            var batch = next!.GetAwaiter().GetResult();
            int following = b + 1;
            next = following < batchesPerEpoch ? Task.Run(() => Render(epoch, following, cancel), cancel) : null;
            yield return batch;
        }
    }

    Batch Render(int epoch, int index, CancellationToken cancel)
    {
        var views = new Tensor[batchSize];
        var labels = new long[batchSize];
        var ids = new string[batchSize];
        try
        {
            for (int row = 0; row < batchSize; row++)
            {
                cancel.ThrowIfCancellationRequested();
                var rng = new Random(Seeds.Mix(seed, epoch, index, row, 0x50c));
                int label = rng.Next(classes.Count);
                var motion = classes[label];
                labels[row] = label;
                ids[row] = $"source/e{epoch}/b{index}/{row}";
                views[row] = View(motion, rng, new MediaItem(ids[row], (int)labels[row], ids[row]));
            }
            return new Batch(index, stack(views), tensor(labels), ids, new int[batchSize]);
        }
        finally
        {
            foreach (var v in views) v?.Dispose();
        }
    }

    /// <summary>One view per clip: a train pipeline augments it, a test pipeline (1 clip × 1 crop) centres it.</summary>
    Tensor View(MotionClass motion, Random rng, MediaItem item)
    {
        using var scope = NewDisposeScope();
        var (w, h) = SyntheticDataset.Sizes[rng.Next(SyntheticDataset.Sizes.Length)];
        int frames = 40 + rng.Next(41);
        var wanted = pipeline.Frames(frames, 0, rng);
        var keep = new HashSet<long>(wanted);
        var distinct = keep.Order().ToArray();
        var picked = new Dictionary<long, byte[]>();
        int n = 0;
        foreach (var frame in new MotionRenderer(motion, w, h, rng.Next(), sceneHueJitter).Frames((int)wanted.Max() + 1, t => keep.Contains(t)))
            picked[distinct[n++]] = frame;
        var rgb = new byte[wanted.Length * h * w * 3];
        for (int i = 0; i < wanted.Length; i++) Buffer.BlockCopy(picked[wanted[i]], 0, rgb, i * h * w * 3, h * w * 3);
        // [T, H, W, C] bytes → [C, T, H, W] in [0, 1], at the short side the reader would have decoded to.
        var clip = tensor(rgb, [wanted.Length, h, w, 3]).permute(3, 0, 1, 2).to(ScalarType.Float32).div_(255);
        int shortSide = pipeline.ReaderOptions.ShortSide;
        var sized = shortSide > 0 ? Transforms.Resize.ShortSide(clip, shortSide) : clip;
        return pipeline.Finish(sized, item, 0, rng, 0).MoveToOuterDisposeScope();
    }
}
