using System.Text;
using System.Text.RegularExpressions;
using TorchSharp;
using static TorchSharp.torch;

namespace VideoVCReg.Runtime.IO;

/// <summary>Reads NumPy .npy files holding little-endian float32 in C order (what np.save writes for float32), and
/// writes float32 and int64 tensors as np.save does (format 1.0, C order), atomically.</summary>
public static partial class NpyFile
{
    [GeneratedRegex(@"'descr':\s*'([^']*)'.*'fortran_order':\s*(True|False).*'shape':\s*\(([^)]*)\)")]
    private static partial Regex Header();

    public static Tensor ReadFloat32(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        if (Files.InputFile.Problem(path, ".npy") is string bad) throw new InvalidDataException(bad);
        using var f = File.OpenRead(path);
        using var r = new BinaryReader(f);
        byte[] magic = r.ReadBytes(6);
        if (magic.Length < 6 || magic[0] != 0x93 || Encoding.ASCII.GetString(magic, 1, 5) != "NUMPY")
            throw new InvalidDataException($"{path}: not a .npy file");
        byte major = r.ReadByte();
        r.ReadByte();
        int headerLen = major == 1 ? r.ReadUInt16() : (int)r.ReadUInt32();
        var header = Encoding.Latin1.GetString(r.ReadBytes(headerLen));
        var m = Header().Match(header);
        if (!m.Success) throw new InvalidDataException($"{path}: unreadable .npy header {header.Trim()}");
        if (m.Groups[1].Value is not ("<f4" or "float32"))
            throw new InvalidDataException($"{path}: dtype {m.Groups[1].Value}, expected float32 ('<f4'); convert with x.astype(np.float32)");
        if (m.Groups[2].Value == "True") throw new InvalidDataException($"{path}: Fortran-ordered array; save it C-ordered (np.ascontiguousarray)");
        var dims = m.Groups[3].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var shape = new long[dims.Length];
        for (int i = 0; i < dims.Length; i++)
            if (!long.TryParse(dims[i], out shape[i]) || shape[i] < 0)
                throw new InvalidDataException($"{path}: .npy shape ({m.Groups[3].Value}) has an invalid dimension '{dims[i]}'");
        long available = f.Length - f.Position, count = 1;
        foreach (long d in shape)
            if (d > 0 && count > available / 4 / d) throw new InvalidDataException($"{path}: truncated ({available} data bytes, shape ({m.Groups[3].Value}) needs more)");
            else count *= d;
        long bytes = count * 4;
        if (available < bytes) throw new InvalidDataException($"{path}: truncated ({available} data bytes, shape needs {bytes})");
        if (bytes > int.MaxValue) throw new InvalidDataException($"{path}: {bytes} bytes of data; clips over 2 GiB are not supported");
        var data = r.ReadBytes((int)bytes);
        foreach (float v in System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(data))
            if (!float.IsFinite(v)) throw new InvalidDataException($"{path}: holds NaN or infinite values");
        var t = torch.empty(shape, float32);
        t.bytes = data;
        return t;
    }

    /// <summary>Writes a float32 or int64 tensor as <c>np.save</c> would (<c>np.load</c> reads it back).</summary>
    public static void Write(string path, Tensor tensor)
    {
        var t = tensor.detach().cpu().contiguous();
        string descr = t.dtype switch
        {
            ScalarType.Float32 => "<f4",
            ScalarType.Int64 => "<i8",
            _ => throw new ArgumentException($"{path}: only float32 and int64 tensors are written as .npy (got {t.dtype})"),
        };
        string shape = t.shape.Length == 1 ? $"({t.shape[0]},)" : $"({string.Join(", ", t.shape)})";
        var header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        // The magic, version, length and header together are padded to a multiple of 64 bytes, ending in a newline.
        int total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
        AtomicFile.Write(path, stream =>
        {
            using var w = new BinaryWriter(stream);
            w.Write((byte)0x93);
            w.Write(Encoding.ASCII.GetBytes("NUMPY"));
            w.Write((byte)1);
            w.Write((byte)0);
            w.Write((ushort)header.Length);
            w.Write(Encoding.ASCII.GetBytes(header));
            w.Write(t.bytes);
        });
    }
}
