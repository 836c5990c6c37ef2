using System.Buffers.Binary;

namespace VideoVCReg.Decoding.Images;

/// <summary>
/// One file in MNIST's IDX format (LeCun et al., http://yann.lecun.com/exdb/mnist/; Fashion-MNIST, KMNIST and EMNIST use it
/// too): a big-endian header, magic 0x00000803 then (n, rows, cols) for images, 0x00000801 then n for labels, then one
/// unsigned byte per pixel (row-major) or label. Gzipped or not. A header that disagrees with the file is an error naming it.
/// </summary>
public static class IdxFile
{
    public const int ImagesMagic = 0x0803, LabelsMagic = 0x0801;

    /// <summary>The images' pixels, image after image, each rows × cols row-major.</summary>
    public static (byte[] Pixels, int Count, int Rows, int Cols) ReadImages(string path)
    {
        var b = GzipFile.ReadAll(path, "IDX");
        Magic(path, b, ImagesMagic, "images (idx3-ubyte)", 16);
        int n = Int(b, 4), rows = Int(b, 8), cols = Int(b, 12);
        long want = 16 + (long)n * rows * cols;
        if (n < 0 || rows < 1 || cols < 1 || want != b.Length)
            throw new InvalidDataException($"{path}: the header says {n} images of {rows}×{cols} ({want} bytes with it), but the file holds {b.Length} bytes");
        return (b[16..], n, rows, cols);
    }

    public static byte[] ReadLabels(string path)
    {
        var b = GzipFile.ReadAll(path, "IDX");
        Magic(path, b, LabelsMagic, "labels (idx1-ubyte)", 8);
        int n = Int(b, 4);
        if (n < 0 || 8L + n != b.Length)
            throw new InvalidDataException($"{path}: the header says {n} labels ({8L + n} bytes with it), but the file holds {b.Length} bytes");
        return b[8..];
    }

    static int Int(byte[] b, int at) => BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(at));

    static void Magic(string path, byte[] b, int magic, string what, int header)
    {
        if (b.Length < 4 || Int(b, 0) != magic)
            throw new InvalidDataException($"{path}: not an IDX {what} file (magic {(b.Length < 4 ? "missing" : $"0x{Int(b, 0):X8}")}, expected 0x{magic:X8})");
        if (b.Length < header) throw new InvalidDataException($"{path}: the file ends inside its {header}-byte IDX header ({b.Length} bytes)");
    }
}
