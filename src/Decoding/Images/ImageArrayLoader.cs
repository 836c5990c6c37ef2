using VideoVCReg.Runtime.Data;
using static TorchSharp.torch;

namespace VideoVCReg.Decoding.Images;

/// <summary>How images in memory become views: CIFAR's training transform, or none (evaluation), then normalisation.
/// <see cref="Size"/>, when set, resizes views (bilinear) for networks with a fixed input, such as a ViT.
/// <see cref="TwoViews"/>, when set, makes every sample two augmented views, <c>[B, 2, C, H, W]</c>, for a self-supervised objective
/// (in place of the CIFAR transform).</summary>
public sealed record ImageViewOptions(double[] Mean, double[] Std, bool Train, int Padding = 4, bool HorizontalFlip = true, int? Size = null,
    Transforms.TwoViewAugmentation? TwoViews = null);

/// <summary>
/// Batches from images held in memory (CIFAR and the synthetic image data): the order shuffled per epoch from the
/// seed, and in training torchvision's CIFAR transform, RandomCrop(32, padding=4) with zero fill then a horizontal
/// flip with probability ½, before ToTensor and Normalize. Each view's draws come from (seed, epoch, index), so an
/// epoch repeats exactly on a resume. Decoding is a copy, so no worker threads are needed.
/// </summary>
public sealed class ImageArrayLoader(ImageArray images, ImageViewOptions view, int batchSize, int seed, bool dropLast = false, Loading.Shard? shard = null)
{
    readonly Loading.Shard part = shard ?? Loading.Shard.Whole;
    bool Shuffled => view.Train || view.TwoViews is not null;
    /// <summary>This process's images per epoch (all of them on one process; see <see cref="Loading.Shard"/>).</summary>
    int Count => Shuffled ? part.TrainingCount(images.Count) : part.EvaluationCount(images.Count);

    public ImageArray Images => images;

    public int BatchesPerEpoch() => dropLast ? Count / batchSize : (Count + batchSize - 1) / batchSize;

    public IReadOnlyList<int> Order(int epoch)
    {
        var order = Enumerable.Range(0, images.Count).ToArray();
        if (!Shuffled) return [.. order.Where(part.Evaluates)];
        new Random(Seeds.Mix(seed, epoch, 0x1a9e)).Shuffle(order);
        return part.Training(order);
    }

    public IEnumerable<Batch> Epoch(int epoch, CancellationToken cancel = default)
    {
        if (batchSize < 1) throw new ArgumentException($"batch size must be ≥ 1 (got {batchSize})");
        var order = Order(epoch);
        for (int b = 0, n = BatchesPerEpoch(); b < n; b++)
        {
            cancel.ThrowIfCancellationRequested();
            var rows = order.Skip(b * batchSize).Take(batchSize).ToArray();
            yield return Make(b, rows, epoch);
        }
    }

    Batch Make(int index, int[] rows, int epoch)
    {
        using var scope = NewDisposeScope();
        int c = images.Channels, h = images.Height, w = images.Width, bytes = images.ImageBytes;
        var raw = new byte[rows.Length * bytes];
        for (int i = 0; i < rows.Length; i++) Buffer.BlockCopy(images.Pixels, rows[i] * bytes, raw, i * bytes, bytes);
        var x = tensor(raw, [rows.Length, c, h, w]).to(ScalarType.Float32).div_(255);
        if (view.TwoViews is { } two) return MakePairs(index, rows, epoch, two);
        if (view.Train)
        {
            // Zero padding on the [0, 1] image is torchvision's fill=0 on the uint8 one: black, before normalisation.
            var padded = nn.functional.pad(x, [view.Padding, view.Padding, view.Padding, view.Padding]);
            var views = new Tensor[rows.Length];
            for (int i = 0; i < rows.Length; i++)
            {
                var rng = new Random(Seeds.Mix(seed, epoch, rows[i], 0xc1fa));
                int top = rng.Next(2 * view.Padding + 1), left = rng.Next(2 * view.Padding + 1);
                var crop = padded[i, .., top..(top + h), left..(left + w)];
                views[i] = view.HorizontalFlip && rng.NextDouble() < 0.5 ? crop.flip(2) : crop;
            }
            x = stack(views);
        }
        if (view.Size is int size && (size != h || size != w))
            x = nn.functional.interpolate(x, [size, size], mode: InterpolationMode.Bilinear, align_corners: false);
        var mean = tensor(view.Mean.Select(v => (float)v).ToArray()).reshape(1, c, 1, 1);
        var std = tensor(view.Std.Select(v => (float)v).ToArray()).reshape(1, c, 1, 1);
        x = ((x - mean) / std).contiguous();
        var labels = tensor(rows.Select(r => (long)images.Labels[r]).ToArray());
        return new Batch(index, x.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope(),
            [.. rows.Select(r => $"{r}")], new int[rows.Length]);
    }

    /// <summary>
    /// Two views of every row, <c>[B, 2, C, side, side]</c>, made on the pixels as arrays (<see cref="PixelOps"/>): one tensor
    /// per batch, none per operation. Each row's draws come from (seed, epoch, row).
    /// </summary>
    Batch MakePairs(int index, int[] rows, int epoch, Transforms.TwoViewAugmentation two)
    {
        int c = images.Channels, h = images.Height, w = images.Width, side = view.Size ?? h, plane = side * side;
        if (c != 3) throw new InvalidDataException($"{images.Source}: two-view augmentation needs RGB images (got {c} channels)");
        var data = new float[rows.Length * 2 * 3 * plane];
        var levels = new float[3 * h * w];
        for (int i = 0; i < rows.Length; i++)
        {
            for (int k = 0; k < levels.Length; k++) levels[k] = images.Pixels[rows[i] * images.ImageBytes + k];
            var (first, second) = two.Apply(levels, h, w, side, new Random(Seeds.Mix(seed, epoch, rows[i], 0x2e55)));
            new Transforms.PixelOps(first, side, side).WriteNormalised(data, (2 * i) * 3 * plane, view.Mean, view.Std);
            new Transforms.PixelOps(second, side, side).WriteNormalised(data, (2 * i + 1) * 3 * plane, view.Mean, view.Std);
        }
        var x = tensor(data, [rows.Length, 2, 3, side, side]);
        var labels = tensor(rows.Select(r => (long)images.Labels[r]).ToArray());
        // Made inside Make's dispose scope: the batch's tensors belong to the caller.
        return new Batch(index, x.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope(), [.. rows.Select(r => $"{r}")], new int[rows.Length]);
    }
}
