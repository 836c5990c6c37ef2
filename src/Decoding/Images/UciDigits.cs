using System.Globalization;
using System.Text;

namespace VideoVCReg.Decoding.Images;

/// <summary>
/// The UCI optical recognition of handwritten digits, test part (Alpaydin and Kaynak 1998), as python3-sklearn ships it
/// for <c>load_digits</c>: <c>digits.csv.gz</c>, one row per image, 64 counts of 0–16 (8 × 8 blocks, row-major) then the
/// label 0–9. A count c becomes the grey level round(c · 255 / 16), so 16 is white (255) as a full byte is elsewhere.
/// </summary>
public static class UciDigits
{
    public const string DebianPath = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz";
    public const int Side = 8, MaxCount = 16, Classes = 10;

    /// <summary>All 1,797 images, grey (one channel), in the file's order.</summary>
    public static ImageArray Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: UCI digits file not found (Debian package python3-sklearn)", path);
        var text = Encoding.ASCII.GetString(GzipFile.ReadAll(path));
        var rows = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (rows.Length == 0) throw new InvalidDataException($"{path}: no rows");
        int plane = Side * Side;
        var pixels = new byte[rows.Length * plane];
        var labels = new int[rows.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            var fields = rows[i].Split(',');
            if (fields.Length != plane + 1) throw new InvalidDataException($"{path}: line {i + 1} has {fields.Length} values, expected {plane} counts and a label");
            for (int k = 0; k <= plane; k++)
            {
                int limit = k < plane ? MaxCount : Classes - 1;
                // load_digits reads the values as floats: "3.0" is 3, "3.5" is not a count.
                if (!double.TryParse(fields[k], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v != Math.Floor(v) || v < 0 || v > limit)
                    throw new InvalidDataException($"{path}: line {i + 1}, value {k + 1} is '{fields[k]}', not {(k < plane ? "a count" : "a label")} in 0–{limit}");
                if (k < plane) pixels[i * plane + k] = (byte)(((int)v * 255 + MaxCount / 2) / MaxCount);
                else labels[i] = (int)v;
            }
        }
        return new ImageArray(path, [.. Enumerable.Range(0, Classes).Select(c => $"{c}")], pixels, labels, Channels: 1, Height: Side, Width: Side);
    }
}
