using System.Buffers.Binary;
using System.IO.Compression;
using VideoVCReg.Experiment.Images;

namespace VideoVCReg.Tests.Images;

/// <summary>IDX files written byte by byte for the reader's tests: small sets cut from the real Fashion-MNIST test file, and damaged copies.</summary>
static class IdxTestFiles
{
    public static string Real(string name) => Path.Combine(GreySets.FashionMnistDir, name + ".gz");

    public static byte[] Gunzip(string path)
    {
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var output = new MemoryStream();
        gz.CopyTo(output);
        return output.ToArray();
    }

    public static byte[] Header(int magic, params int[] dims)
    {
        var b = new byte[4 + 4 * dims.Length];
        BinaryPrimitives.WriteInt32BigEndian(b, magic);
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4 + 4 * i), dims[i]);
        return b;
    }

    public static void Write(string path, byte[] header, byte[] body, bool gzip)
    {
        var bytes = header.Concat(body).ToArray();
        if (!gzip) { File.WriteAllBytes(path, bytes); return; }
        using var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest);
        gz.Write(bytes);
    }

    /// <summary>
    /// A valid four-file set in <paramref name="dir"/>: Fashion-MNIST test images [0, train) as its training part and the next
    /// <paramref name="test"/> as its test part; gzipped files end in .gz.
    /// </summary>
    public static void WriteSet(string dir, int train, int test, bool gzip = true)
    {
        Directory.CreateDirectory(dir);
        var px = Gunzip(Real("t10k-images-idx3-ubyte"))[16..];
        var labels = Gunzip(Real("t10k-labels-idx1-ubyte"))[8..];
        const int plane = 28 * 28;
        string Name(string n) => Path.Combine(dir, gzip ? n + ".gz" : n);
        Write(Name("train-images-idx3-ubyte"), Header(0x0803, train, 28, 28), px[..(train * plane)], gzip);
        Write(Name("train-labels-idx1-ubyte"), Header(0x0801, train), labels[..train], gzip);
        Write(Name("t10k-images-idx3-ubyte"), Header(0x0803, test, 28, 28), px[(train * plane)..((train + test) * plane)], gzip);
        Write(Name("t10k-labels-idx1-ubyte"), Header(0x0801, test), labels[train..(train + test)], gzip);
    }
}
