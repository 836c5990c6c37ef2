using System.Buffers.Binary;
using System.IO.Compression;

namespace VideoVCReg.Decoding.Images;

/// <summary>A data file's bytes, gunzipped when it starts with gzip's magic (1f 8b), so a data set may ship compressed or not.</summary>
public static class GzipFile
{
    /// <param name="what">What the file should be, for the message ("IDX").</param>
    public static byte[] ReadAll(string path, string what = "dataset")
    {
        // Reading a FIFO would block until a writer came, and /dev/zero would never end.
        if (File.Exists(path) && Files.InputFile.Problem(path, what) is string bad) throw new InvalidDataException(bad);
        var raw = File.ReadAllBytes(path);
        if (raw.Length < 2 || raw[0] != 0x1f || raw[1] != 0x8b) return raw;
        using var output = new MemoryStream();
        try
        {
            using var gz = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
            gz.CopyTo(output);
        }
        catch (InvalidDataException e) { throw new InvalidDataException($"{path}: damaged gzip data ({e.Message.TrimEnd('.')})"); }
        // GZipStream ends quietly where a cut file's deflate data stops; gzip's trailer (RFC 1952: CRC-32, then the size
        // mod 2³²) is gone from such a file, so its last four bytes disagree with what came out.
        uint size = raw.Length >= 18 ? BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(raw.Length - 4)) : uint.MaxValue;
        if (size != (uint)output.Length)
            throw new InvalidDataException($"{path}: truncated gzip file ({output.Length} bytes came out, and its end is not gzip's trailer)");
        return output.ToArray();
    }
}
