namespace VideoVCReg.Decoding.Images;

/// <summary>Which CIFAR binary layout: CIFAR-10 (label byte, 3072 pixel bytes) or CIFAR-100 (coarse byte, fine byte, 3072).</summary>
public enum CifarKind { Cifar10, Cifar100 }

/// <summary>
/// Images held in memory as CIFAR stores them: per image 3 × 32 × 32 bytes, channel-planar (all R, then G, then B),
/// row-major; and per image a class index into <see cref="Classes"/>.
/// </summary>
public sealed record ImageArray(string Source, IReadOnlyList<string> Classes, byte[] Pixels, int[] Labels, int Channels = 3, int Height = 32, int Width = 32)
{
    public int Count => Labels.Length;
    public int ImageBytes => Channels * Height * Width;

    /// <summary>The images at <paramref name="indices"/>, in that order.</summary>
    public ImageArray Subset(IReadOnlyList<int> indices, string suffix)
    {
        var pixels = new byte[indices.Count * ImageBytes];
        for (int i = 0; i < indices.Count; i++) Buffer.BlockCopy(Pixels, indices[i] * ImageBytes, pixels, i * ImageBytes, ImageBytes);
        return this with { Source = $"{Source} ({suffix})", Pixels = pixels, Labels = [.. indices.Select(i => Labels[i])] };
    }
}

/// <summary>
/// The CIFAR binary format (https://www.cs.toronto.edu/~kriz/cifar.html): CIFAR-10's <c>data_batch_1..5.bin</c> and
/// <c>test_batch.bin</c> with <c>batches.meta.txt</c>; CIFAR-100's <c>train.bin</c> and <c>test.bin</c> with
/// <c>coarse_label_names.txt</c> and <c>fine_label_names.txt</c>. A file that is not a whole number of records,
/// or a label past the class list, is an error naming the file.
/// </summary>
public static class CifarBinary
{
    public const int Side = 32, PixelBytes = 3 * Side * Side;

    public static int RecordBytes(CifarKind kind) => PixelBytes + (kind == CifarKind.Cifar10 ? 1 : 2);

    public static string[] Files(CifarKind kind, bool train) => kind == CifarKind.Cifar10
        ? (train ? [.. Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin")] : ["test_batch.bin"])
        : [train ? "train.bin" : "test.bin"];

    static string NamesFile(CifarKind kind, bool coarse) =>
        kind == CifarKind.Cifar10 ? "batches.meta.txt" : coarse ? "coarse_label_names.txt" : "fine_label_names.txt";

    /// <summary>Reads the train or test set of <paramref name="dir"/>; for CIFAR-100, fine or coarse labels.</summary>
    public static ImageArray Read(string dir, CifarKind kind, bool train, bool coarse = false)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir}: CIFAR folder not found");
        if (coarse && kind == CifarKind.Cifar10) throw new ArgumentException("--labels coarse needs CIFAR-100 (CIFAR-10 has one label per image)");
        var namesPath = Path.Combine(dir, NamesFile(kind, coarse));
        if (!File.Exists(namesPath)) throw new FileNotFoundException($"{namesPath}: class names not found (is {dir} a {kind} binary folder?)", namesPath);
        var classes = File.ReadAllLines(namesPath).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        int record = RecordBytes(kind);
        var pixels = new List<byte[]>();
        var labels = new List<int>();
        foreach (var name in Files(kind, train))
        {
            var path = Path.Combine(dir, name);
            if (!File.Exists(path)) throw new FileNotFoundException($"{path}: CIFAR batch file not found", path);
            if (VideoVCReg.Files.InputFile.Problem(path, "CIFAR batch") is string bad) throw new InvalidDataException(bad);
            var bytes = File.ReadAllBytes(path);
            if (bytes.Length % record != 0)
                throw new InvalidDataException($"{path}: {bytes.Length} bytes is not a whole number of {record}-byte {kind} records (truncated or another format)");
            var px = new byte[bytes.Length / record * PixelBytes];
            for (int i = 0, n = bytes.Length / record; i < n; i++)
            {
                int at = i * record;
                int label = kind == CifarKind.Cifar10 ? bytes[at] : bytes[at + (coarse ? 0 : 1)];
                if (label >= classes.Length)
                    throw new InvalidDataException($"{path}: record {i} has label {label}, but {namesPath} names {classes.Length} classes");
                labels.Add(label);
                Buffer.BlockCopy(bytes, at + record - PixelBytes, px, i * PixelBytes, PixelBytes);
            }
            pixels.Add(px);
        }
        return new ImageArray($"{dir} ({kind}, {(train ? "train" : "test")}{(kind == CifarKind.Cifar100 ? coarse ? ", coarse" : ", fine" : "")})",
            classes, [.. pixels.SelectMany(p => p)], [.. labels]);
    }

    /// <summary>Writes one batch file's records to <paramref name="stream"/> (a file's, through the caller's atomic writer); CIFAR-100 records carry both labels.</summary>
    public static void WriteBatch(Stream stream, CifarKind kind, byte[] pixels, IReadOnlyList<int> fine, IReadOnlyList<int>? coarse = null)
    {
        if (pixels.Length != fine.Count * PixelBytes) throw new ArgumentException("pixels must hold 3072 bytes per label");
        if (kind == CifarKind.Cifar100 && coarse is null) throw new ArgumentException("CIFAR-100 records need coarse labels");
        for (int i = 0; i < fine.Count; i++)
        {
            if (kind == CifarKind.Cifar100) stream.WriteByte(checked((byte)coarse![i]));
            stream.WriteByte(checked((byte)fine[i]));
            stream.Write(pixels, i * PixelBytes, PixelBytes);
        }
    }
}
