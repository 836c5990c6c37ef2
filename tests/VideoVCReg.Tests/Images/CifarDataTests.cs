using VideoVCReg.Decoding.Images;
using VideoVCReg.Runtime.IO;
using VideoVCReg.Tests.Support;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Images;

/// <summary>The CIFAR binary formats, the long-tail profile and the in-memory image views.</summary>
public class CifarDataTests
{
    static byte[] Pixels(int n, int seed)
    {
        var px = new byte[n * CifarBinary.PixelBytes];
        new Random(seed).NextBytes(px);
        return px;
    }

    [Fact]
    public void Both_binary_layouts_read_back_what_was_written()
    {
        var dir = Directory.CreateTempSubdirectory("cifar-").FullName;
        try
        {
            var px = Pixels(7, 1);
            int[] fine = [3, 0, 4, 4, 1, 2, 0], coarse = [1, 0, 1, 1, 0, 0, 0];
            File.WriteAllLines(Path.Combine(dir, "fine_label_names.txt"), ["a", "b", "c", "d", "e"]);
            File.WriteAllLines(Path.Combine(dir, "coarse_label_names.txt"), ["x", "y"]);
            AtomicFile.Write(Path.Combine(dir, "train.bin"), s => CifarBinary.WriteBatch(s, CifarKind.Cifar100, px, fine, coarse));
            AtomicFile.Write(Path.Combine(dir, "test.bin"), s => CifarBinary.WriteBatch(s, CifarKind.Cifar100, px[..CifarBinary.PixelBytes], [2], [1]));
            Assert.Equal(7 * 3074, new FileInfo(Path.Combine(dir, "train.bin")).Length);
            var f = CifarBinary.Read(dir, CifarKind.Cifar100, train: true);
            Assert.Equal(fine, f.Labels);
            Assert.Equal(px, f.Pixels);
            Assert.Equal(["a", "b", "c", "d", "e"], f.Classes);
            Assert.Equal(coarse, CifarBinary.Read(dir, CifarKind.Cifar100, train: true, coarse: true).Labels);
            Assert.Equal([1], CifarBinary.Read(dir, CifarKind.Cifar100, train: false, coarse: true).Labels);

            // CIFAR-10: five training batches read in order, one label byte per record.
            var ten = Directory.CreateDirectory(Path.Combine(dir, "ten")).FullName;
            File.WriteAllLines(Path.Combine(ten, "batches.meta.txt"), ["p", "q", "r"]);
            var all = Pixels(10, 2);
            for (int b = 0; b < 5; b++)
                AtomicFile.Write(Path.Combine(ten, $"data_batch_{b + 1}.bin"), s => CifarBinary.WriteBatch(s, CifarKind.Cifar10, all[(b * 2 * 3072)..((b + 1) * 2 * 3072)], [b % 3, (b + 1) % 3]));
            AtomicFile.Write(Path.Combine(ten, "test_batch.bin"), s => CifarBinary.WriteBatch(s, CifarKind.Cifar10, all[..3072], [2]));
            var t = CifarBinary.Read(ten, CifarKind.Cifar10, train: true);
            Assert.Equal(all, t.Pixels);
            Assert.Equal([0, 1, 1, 2, 2, 0, 0, 1, 1, 2], t.Labels);
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>
    /// A real "No space left on device": train.bin's partial file is a link to /dev/full, which accepts the open and fails the
    /// write with ENOSPC. Written in place, the set was left with a partial train.bin that a later run read as data.
    /// </summary>
    [Fact]
    public void Synthetic_images_on_a_full_disk_fail_in_one_line_and_leave_no_partial_batch()
    {
        var dir = Directory.CreateTempSubdirectory("synth-images-enospc-").FullName;
        try
        {
            var train = Path.Combine(dir, "source", "train.bin");
            Directory.CreateDirectory(Path.GetDirectoryName(train)!);
            File.CreateSymbolicLink(train + ".partial", "/dev/full");
            var r = CliProcess.Run("data", "synth-images", "--out", dir, "--train-per-class", "5", "--test-per-class", "1");
            Assert.Equal(1, r.ExitCode);
            var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Single(lines);
            Assert.StartsWith($"videovcreg: {train}: could not be written (No space left on device", lines[0]);
            Assert.False(File.Exists(train), "a partial train.bin was left");
            Assert.False(File.Exists(train + ".partial") || new FileInfo(train + ".partial").LinkTarget is not null, "the partial file was left");
            // With room, the same command writes the whole set.
            var ok = CliProcess.Run("data", "synth-images", "--out", dir, "--train-per-class", "5", "--test-per-class", "1", "--folders");
            Assert.True(ok.ExitCode == 0, ok.Stderr);
            Assert.Equal(16 * 5, CifarBinary.Read(Path.Combine(dir, "source"), CifarKind.Cifar100, train: true).Count);
            Assert.Equal(8 * 5, Directory.GetFiles(Path.Combine(dir, "downstream-folder", "train"), "*.png", SearchOption.AllDirectories).Length);
            Assert.Empty(Directory.GetFiles(dir, "*.partial", SearchOption.AllDirectories));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Damaged_files_and_impossible_labels_are_named_in_one_message()
    {
        var dir = Directory.CreateTempSubdirectory("cifar-bad-").FullName;
        try
        {
            File.WriteAllLines(Path.Combine(dir, "fine_label_names.txt"), ["a", "b"]);
            File.WriteAllLines(Path.Combine(dir, "coarse_label_names.txt"), ["x"]);
            AtomicFile.Write(Path.Combine(dir, "train.bin"), s => CifarBinary.WriteBatch(s, CifarKind.Cifar100, Pixels(2, 3), [0, 1], [0, 0]));
            var bytes = File.ReadAllBytes(Path.Combine(dir, "train.bin"));
            File.WriteAllBytes(Path.Combine(dir, "train.bin"), bytes[..^100]);
            var e = Assert.Throws<InvalidDataException>(() => CifarBinary.Read(dir, CifarKind.Cifar100, train: true));
            Assert.Contains("train.bin", e.Message);
            Assert.Contains("not a whole number of 3074-byte", e.Message);
            File.WriteAllBytes(Path.Combine(dir, "train.bin"), []);
            Assert.Contains("train.bin: empty file, not a CIFAR batch file", Assert.Throws<InvalidDataException>(() => CifarBinary.Read(dir, CifarKind.Cifar100, train: true)).Message);

            AtomicFile.Write(Path.Combine(dir, "train.bin"), s => CifarBinary.WriteBatch(s, CifarKind.Cifar100, Pixels(2, 3), [0, 1], [0, 1]));
            var coarse = Assert.Throws<InvalidDataException>(() => CifarBinary.Read(dir, CifarKind.Cifar100, train: true, coarse: true));
            Assert.Contains("has label 1", coarse.Message);
            Assert.Throws<ArgumentException>(() => CifarBinary.Read(dir, CifarKind.Cifar10, train: true, coarse: true));
            Assert.Contains("batches.meta.txt", Assert.Throws<FileNotFoundException>(() => CifarBinary.Read(dir, CifarKind.Cifar10, train: true)).Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Long_tail_keeps_the_exponential_profile_per_class()
    {
        // CIFAR-10 at R = 100 (the paper's §4.3): 5000 down to 50; CIFAR-100: 500 down to 5.
        var ten = LongTail.Counts(10, 5000, 100);
        Assert.Equal(5000, ten[0]);
        Assert.Equal(50, ten[^1]);
        for (int c = 0; c < 10; c++) Assert.Equal((int)(5000 * Math.Pow(0.01, c / 9.0)), ten[c]);
        Assert.Equal(2997, ten[1]);                                           // 5000 · 100^(−1/9) = 2997.2
        var hundred = LongTail.Counts(100, 500, 100);
        Assert.Equal((500, 5), (hundred[0], hundred[^1]));
        Assert.Equal(new[] { 60, 60, 60, 60 }, LongTail.Counts(4, 60, 1));

        var labels = Enumerable.Range(0, 400).Select(i => i % 4).ToArray();
        var kept = LongTail.Subsample(labels, 4, 10, seed: 3);
        var counts = Enumerable.Range(0, 4).Select(c => kept.Count(i => labels[i] == c)).ToArray();
        Assert.Equal(LongTail.Counts(4, 100, 10), counts);                   // 100, 46, 21, 10
        Assert.Equal(kept.Order(), kept);
        Assert.NotEqual(kept, LongTail.Subsample(labels, 4, 10, seed: 4));   // which images stay follows the seed
        Assert.Throws<ArgumentException>(() => LongTail.Counts(4, 100, 0.5));
    }

    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    static ImageArray Tiny(int n) =>
        new("tiny", ["a", "b"], Pixels(n, 5), [.. Enumerable.Range(0, n).Select(i => i % 2)]);

    [Fact]
    public void Test_views_are_the_normalised_images_in_order()
    {
        var images = Tiny(5);
        double[] mean = [0.4, 0.5, 0.6], std = [0.2, 0.25, 0.3];
        var loader = new ImageArrayLoader(images, new ImageViewOptions(mean, std, Train: false), 2, seed: 1);
        var batches = loader.Epoch(0).ToList();
        Assert.Equal(3, batches.Count);
        var first = batches[0];
        Assert.Equal(new long[] { 2, 3, 32, 32 }, first.Inputs.shape);
        Assert.Equal(["0", "1"], first.SampleIds);
        // Pixel (c=1, y=3, x=7) of image 1: (byte/255 − mean)/std, channel-planar as CIFAR stores it.
        byte raw = images.Pixels[1 * 3072 + 1 * 1024 + 3 * 32 + 7];
        Assert.Equal((raw / 255.0 - 0.5) / 0.25, first.Inputs[1, 1, 3, 7].item<float>(), 5);
    }

    /// <summary>Each training view is one of the 9 × 9 crops of the 4-pixel zero-padded image, flipped or not, and both kinds occur.</summary>
    [Fact]
    public void Train_views_are_padded_random_crops_with_flips()
    {
        var images = Tiny(12);
        double[] mean = [0, 0, 0], std = [1, 1, 1];
        var loader = new ImageArrayLoader(images, new ImageViewOptions(mean, std, Train: true), 12, seed: 2);
        var batch = loader.Epoch(0).Single();
        var original = tensor(images.Pixels, [12, 3, 32, 32]).to(float32).div(255);
        var padded = nn.functional.pad(original, [4, 4, 4, 4]);
        int flips = 0, shifted = 0;
        for (int i = 0; i < 12; i++)
        {
            int row = int.Parse(batch.SampleIds[i]);
            var view = batch.Inputs[i];
            var matches = new List<(int Top, int Left, bool Flip)>();
            for (int top = 0; top <= 8; top++)
                for (int left = 0; left <= 8; left++)
                {
                    var crop = padded[row, .., top..(top + 32), left..(left + 32)];
                    if (Same(crop, view)) matches.Add((top, left, false));
                    if (Same(crop.flip(2), view)) matches.Add((top, left, true));
                }
            Assert.Single(matches);
            if (matches[0].Flip) flips++;
            if (matches[0] is not { Top: 4, Left: 4 }) shifted++;
            Assert.Equal(images.Labels[row], batch.Labels[i].item<long>());
        }
        Assert.InRange(flips, 1, 11);
        Assert.True(shifted > 6, $"only {shifted} of 12 views moved");
        // The epoch's order and draws follow the seed: the same epoch again is the same batch, the next one another.
        Assert.True(Same(loader.Epoch(0).Single().Inputs, batch.Inputs));
        Assert.False(Same(loader.Epoch(1).Single().Inputs, batch.Inputs));
    }
}
