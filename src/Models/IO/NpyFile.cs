using System.Text;
using System.Text.RegularExpressions;
using TorchSharp;
using static TorchSharp.torch;

namespace VideoVCReg.Models.IO;

/// <summary>Reads NumPy .npy files holding little-endian float32 in C order (what np.save writes for float32).</summary>
public static partial class NpyFile
{
    [GeneratedRegex(@"'descr':\s*'([^']*)'.*'fortran_order':\s*(True|False).*'shape':\s*\(([^)]*)\)")]
    private static partial Regex Header();

    public static Tensor ReadFloat32(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
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
        var shape = m.Groups[3].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(long.Parse).ToArray();
        long count = shape.Aggregate(1L, (a, b) => a * b);
        long bytes = count * 4;
        if (f.Length - f.Position < bytes) throw new InvalidDataException($"{path}: truncated ({f.Length - f.Position} data bytes, shape needs {bytes})");
        var data = r.ReadBytes((int)bytes);
        var t = torch.empty(shape, float32);
        t.bytes = data;
        return t;
    }
}
