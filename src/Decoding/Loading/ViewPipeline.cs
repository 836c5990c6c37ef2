using VideoVCReg.Decoding.Datasets;
using VideoVCReg.Decoding.Sampling;
using VideoVCReg.Decoding.Transforms;
using static TorchSharp.torch;

namespace VideoVCReg.Decoding.Loading;

/// <summary>
/// Turns one item into its views, in VideoMAE's order. Train (one view): sample 16×4 → RandAugment → normalise →
/// random resized crop → flip → random erasing. Test (clips × crops views): strided clip <c>v / crops</c> at
/// short side = crop size → crop <c>v % crops</c> along the long side → normalise. Noise, when asked, last.
/// All randomness comes from the caller's <see cref="Random"/> and seed, so a view is a pure function of them.
/// </summary>
public sealed class ViewPipeline(ViewOptions options, ViewMode mode)
{
    readonly TrainSampler train = new(options.ClipLength, options.SamplingRate);
    readonly TestSampler test = new(options.ClipLength, options.SamplingRate, options.TestClips, options.TestCrops);
    readonly RandAugment? augment = options.RandAugment is { } spec ? RandAugment.Parse(spec) : null;
    readonly RandomResizedCrop crop = options.CropMinArea is > 0 and <= 1
        ? RandomResizedCrop.VideoMae(options.CropSize) with { Scale = (options.CropMinArea, 1.0) }
        : throw new ArgumentOutOfRangeException(nameof(options), $"CropMinArea must be in (0, 1], got {options.CropMinArea}");
    readonly RandomErasing erasing = new(options.ErasingProbability);

    public ViewOptions Options => options;
    public ViewMode Mode => mode;
    public int ViewsPerItem => mode == ViewMode.Train ? options.TrainViews : test.Views;
    public VideoReaderOptions ReaderOptions => new(mode == ViewMode.Train ? options.TrainShortSide : options.CropSize, AutoRotate: options.AutoRotate);

    /// <summary>The temporal clip a view reads: views sharing it can share one decode.</summary>
    public int ClipOf(int view) => mode == ViewMode.Train ? 0 : view / test.Crops;

    /// <summary>Frames to decode for <paramref name="view"/> (train: a fresh random window from <paramref name="rng"/>).</summary>
    public long[] Frames(int frames, int view, Random rng) =>
        mode == ViewMode.Train ? train.Sample(frames, rng) : test.ClipFrames(frames, ClipOf(view));

    /// <summary>The view from its decoded clip <c>[C, T, H, W]</c> in [0, 1]; <paramref name="clip"/> is left as it is.</summary>
    public Tensor Finish(Tensor clip, MediaItem item, int view, Random rng, int seed)
    {
        using var scope = NewDisposeScope();
        Tensor x;
        if (mode == ViewMode.Train)
        {
            x = augment != null ? augment.Apply(clip, rng) : clip;
            x = options.Normalization.Apply(x);
            x = crop.Apply(x, rng);
            if (options.HorizontalFlip && rng.NextDouble() < 0.5) x = Flip.Horizontal(x);
            if (options.ErasingProbability > 0)
            {
                x = x.contiguous();
                using var gen = new Generator((ulong)rng.NextInt64(1, long.MaxValue));
                erasing.ApplyInPlace(x, rng, gen);
            }
        }
        else
        {
            // One crop is the torchvision centre crop; several are VideoMAE's crops along the long side.
            x = test.Crops == 1 ? Crop.Centre(clip, options.CropSize) : Crop.AlongLongSide(clip, options.CropSize, view % test.Crops, test.Crops);
            if (x.shape[2] != options.CropSize || x.shape[3] != options.CropSize) x = Resize.To(x, options.CropSize, options.CropSize);
            x = options.Normalization.Apply(x);
        }
        // Test noise is keyed by (video, view, seed) only; training noise also varies with the draw.
        if (options.NoiseSigma > 0)
            x = GaussianNoise.Add(x, options.NoiseSigma, mode == ViewMode.Train ? rng.Next() : seed, item.Id, view);
        return x.contiguous().MoveToOuterDisposeScope();
    }
}
