using VideoVCReg.Runtime.Data;

namespace VideoVCReg.Decoding.Images;

/// <summary>Size of the synthetic image data: images per class in the source's and the downstream set's train and test parts.</summary>
public sealed record SynthImageOptions(int TrainPerClass = 240, int TestPerClass = 60, int Seed = 0)
{
    public IReadOnlyList<string> Problems()
    {
        var p = new List<string>();
        if (TrainPerClass < 5) p.Add($"--train-per-class must be ≥ 5 (got {TrainPerClass})");
        if (TestPerClass < 1) p.Add($"--test-per-class must be ≥ 1 (got {TestPerClass})");
        return p;
    }
}

/// <summary>
/// Embedded image data in the CIFAR binary formats, learnable on a CPU in minutes, with the structure the paper's
/// image protocols need:
/// <list type="bullet">
/// <item><c>source/</c> (CIFAR-100 layout): 4 superclasses, the shape (disc, square, triangle, bar) × 4 subclasses,
/// the shape's hue family; coarse labels are the shapes, fine labels the 16 shape × hue pairs (hierarchical protocol).</item>
/// <item><c>downstream/</c> (CIFAR-10 layout): 8 classes the source never shows: two other shapes (ring, cross) ×
/// four hues halfway between the source's (transfer protocol).</item>
/// </list>
/// Each image: a noisy textured background, one shape of random size, position and rotation, its hue jittered
/// within the family, so neither colour nor shape alone names a fine class.
/// </summary>
public static class SyntheticImages
{
    public static readonly string[] SourceShapes = ["disc", "square", "triangle", "bar"];
    public static readonly string[] DownstreamShapes = ["ring", "cross"];
    const int Hues = 4;

    /// <summary>
    /// Writes both sets under <paramref name="outDir"/>, every file through <paramref name="write"/> (path, content): the run's
    /// atomic writer, passed in by the caller (Runtime.IO.AtomicFile.Write). Written in place, a full disk left a partial train.bin.
    /// </summary>
    public static void Write(string outDir, SynthImageOptions o, Action<string, Action<Stream>> write)
    {
        if (o.Problems() is { Count: > 0 } problems) throw new ArgumentException(string.Join("; ", problems));
        var source = Directory.CreateDirectory(Path.Combine(outDir, "source")).FullName;
        var downstream = Directory.CreateDirectory(Path.Combine(outDir, "downstream")).FullName;

        // Source hues at 0°, 90°, 180°, 270°; downstream at 45°, 135°, 225°, 315°.
        var fine = SourceShapes.SelectMany(s => Enumerable.Range(0, Hues).Select(h => (Shape: s, Hue: 90.0 * h))).ToList();
        void Lines(string path, IEnumerable<string> lines) => write(path, s =>
        {
            using var w = new StreamWriter(s, leaveOpen: true);
            foreach (var line in lines) w.WriteLine(line);
        });
        Lines(Path.Combine(source, "coarse_label_names.txt"), SourceShapes);
        Lines(Path.Combine(source, "fine_label_names.txt"), fine.Select(f => $"{f.Shape}_hue{f.Hue:000}"));
        foreach (var (train, name, perClass) in new[] { (true, "train.bin", o.TrainPerClass), (false, "test.bin", o.TestPerClass) })
        {
            var (pixels, labels) = Render(fine, perClass, Seeds.Mix(o.Seed, train ? 1 : 2, 0x1a6));
            write(Path.Combine(source, name), s => CifarBinary.WriteBatch(s, CifarKind.Cifar100, pixels, labels,
                [.. labels.Select(l => Array.IndexOf(SourceShapes, fine[l].Shape))]));
        }

        var down = DownstreamShapes.SelectMany(s => Enumerable.Range(0, Hues).Select(h => (Shape: s, Hue: 45 + 90.0 * h))).ToList();
        Lines(Path.Combine(downstream, "batches.meta.txt"), down.Select(f => $"{f.Shape}_hue{f.Hue:000}"));
        var (trainPx, trainLabels) = Render(down, o.TrainPerClass, Seeds.Mix(o.Seed, 3, 0x1a6));
        // CIFAR-10 keeps its training set in five batch files: the images are dealt out in order.
        var files = CifarBinary.Files(CifarKind.Cifar10, train: true);
        for (int f = 0; f < files.Length; f++)
        {
            var idx = Enumerable.Range(0, trainLabels.Length).Where(i => i % files.Length == f).ToArray();
            var px = new byte[idx.Length * CifarBinary.PixelBytes];
            for (int i = 0; i < idx.Length; i++) Buffer.BlockCopy(trainPx, idx[i] * CifarBinary.PixelBytes, px, i * CifarBinary.PixelBytes, CifarBinary.PixelBytes);
            write(Path.Combine(downstream, files[f]), s => CifarBinary.WriteBatch(s, CifarKind.Cifar10, px, [.. idx.Select(i => trainLabels[i])]));
        }
        var (testPx, testLabels) = Render(down, o.TestPerClass, Seeds.Mix(o.Seed, 4, 0x1a6));
        write(Path.Combine(downstream, "test_batch.bin"), s => CifarBinary.WriteBatch(s, CifarKind.Cifar10, testPx, testLabels));
    }

    /// <summary>perClass images of every class, classes interleaved in a seeded order.</summary>
    static (byte[] Pixels, int[] Labels) Render(IReadOnlyList<(string Shape, double Hue)> classes, int perClass, int seed)
    {
        var labels = Enumerable.Range(0, classes.Count * perClass).Select(i => i % classes.Count).ToArray();
        new Random(seed).Shuffle(labels);
        var pixels = new byte[labels.Length * CifarBinary.PixelBytes];
        for (int i = 0; i < labels.Length; i++)
        {
            var rng = new Random(Seeds.Mix(seed, i));
            var img = Image(classes[labels[i]].Shape, classes[labels[i]].Hue, rng);
            Buffer.BlockCopy(img, 0, pixels, i * CifarBinary.PixelBytes, img.Length);
        }
        return (pixels, labels);
    }

    /// <summary>One 32×32 image, channel-planar as CIFAR stores it.</summary>
    public static byte[] Image(string shape, double hue, Random rng)
    {
        const int n = CifarBinary.Side;
        var img = new byte[CifarBinary.PixelBytes];
        // Background: a grey level with a gentle gradient and per-pixel noise.
        double level = 60 + rng.Next(100), gx = (rng.NextDouble() - 0.5) * 2, gy = (rng.NextDouble() - 0.5) * 2;
        var (r, g, b) = Synthetic.Hsv.ToRgb(hue + (rng.NextDouble() - 0.5) * 40, 0.5 + 0.4 * rng.NextDouble(), 0.55 + 0.45 * rng.NextDouble());
        double cx = 10 + rng.NextDouble() * 12, cy = 10 + rng.NextDouble() * 12, size = 6 + rng.NextDouble() * 5, angle = rng.NextDouble() * Math.PI;
        for (int y = 0; y < n; y++)
            for (int x = 0; x < n; x++)
            {
                double bg = level + gx * (x - 16) + gy * (y - 16);
                bool inside = Inside(shape, x - cx, y - cy, size, angle);
                for (int c = 0; c < 3; c++)
                {
                    double v = inside ? 255 * (c == 0 ? r : c == 1 ? g : b) : bg;
                    img[c * n * n + y * n + x] = (byte)Math.Clamp(v + rng.Next(-12, 13), 0, 255);
                }
            }
        return img;
    }

    static bool Inside(string shape, double dx, double dy, double size, double angle)
    {
        // Rotate into the shape's frame.
        double u = dx * Math.Cos(angle) + dy * Math.Sin(angle), v = -dx * Math.Sin(angle) + dy * Math.Cos(angle);
        double d = Math.Sqrt(u * u + v * v);
        return shape switch
        {
            "disc" => d <= size,
            "ring" => d <= size && d >= size * 0.55,
            "square" => Math.Abs(u) <= size * 0.85 && Math.Abs(v) <= size * 0.85,
            "bar" => Math.Abs(u) <= size * 1.3 && Math.Abs(v) <= size * 0.35,
            "cross" => (Math.Abs(u) <= size && Math.Abs(v) <= size * 0.3) || (Math.Abs(v) <= size && Math.Abs(u) <= size * 0.3),
            "triangle" => v >= -size * 0.6 && v <= size * 0.9 && Math.Abs(u) <= (size * 0.9 - v) * 0.66,
            _ => throw new ArgumentException($"unknown shape {shape}"),
        };
    }
}
