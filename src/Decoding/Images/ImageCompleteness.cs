using System.Buffers.Binary;

namespace VideoVCReg.Decoding.Images;

/// <summary>
/// Whether an image file holds all the bytes its own structure promises. ImageSharp 2.1 decodes a cut JPEG, PNG (of
/// several IDAT chunks), BMP, PPM or WebP without a word, the missing part black or grey; PIL calls such a file
/// truncated. The check reads the container only (markers, chunk lengths, header sizes), never the pixels.
/// Other formats (TIFF) are left to the decoder.
/// </summary>
public static class ImageCompleteness
{
    /// <summary>Why the file is cut short, or null when it is whole (or of a format not checked here).</summary>
    public static string? Problem(ReadOnlySpan<byte> data)
    {
        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return Jpeg(data);
        if (data.Length >= 8 && data[..8].SequenceEqual(Png8)) return Png(data);
        if (data.Length >= 2 && data[0] == 'B' && data[1] == 'M') return Bmp(data);
        if (data.Length >= 12 && data[..4].SequenceEqual("RIFF"u8) && data[8..12].SequenceEqual("WEBP"u8)) return Riff(data);
        if (data.Length >= 2 && data[0] == 'P' && data[1] is (byte)'5' or (byte)'6') return Pnm(data);
        return null;
    }

    static ReadOnlySpan<byte> Png8 => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Segments by their lengths, each scan's entropy-coded data to the next marker, until the end-of-image marker.</summary>
    static string? Jpeg(ReadOnlySpan<byte> d)
    {
        int i = 2;
        while (i + 1 < d.Length)
        {
            // Fill bytes (0xFF runs) may precede a marker; stray bytes between segments are skipped, as libjpeg does with a warning.
            if (d[i] != 0xFF || d[i + 1] == 0xFF) { i++; continue; }
            byte marker = d[i + 1];
            if (marker == 0xD9) return null;
            if (marker is 0x01 or 0x00 or (>= 0xD0 and <= 0xD7)) { i += 2; continue; }
            if (i + 4 > d.Length) break;
            int length = BinaryPrimitives.ReadUInt16BigEndian(d[(i + 2)..]);
            if (i + 2 + length > d.Length) break;
            i += 2 + length;
            if (marker != 0xDA) continue;
            // Entropy-coded data: 0xFF is followed by 0x00 (a stuffed byte), a restart marker, or the marker that ends the scan.
            // It is most of the file, and this runs before every decode: jump from 0xFF to 0xFF (a vectorised search).
            while (i + 1 < d.Length)
            {
                int next = d[i..].IndexOf((byte)0xFF);
                if (next < 0) { i = d.Length; break; }
                i += next;
                if (i + 1 < d.Length && d[i + 1] != 0x00 && d[i + 1] is not (>= 0xD0 and <= 0xD7)) break;
                i++;
            }
        }
        return $"truncated JPEG: {d.Length} bytes end before the end-of-image marker";
    }

    /// <summary>Chunk after chunk by their lengths until IEND.</summary>
    static string? Png(ReadOnlySpan<byte> d)
    {
        long i = 8;
        while (i + 8 <= d.Length)
        {
            long length = BinaryPrimitives.ReadUInt32BigEndian(d[(int)i..]);
            if (d.Slice((int)i + 4, 4).SequenceEqual("IEND"u8)) return null;
            i += 12 + length;
        }
        return $"truncated PNG: {d.Length} bytes end before the IEND chunk";
    }

    /// <summary>The pixel array of an uncompressed BMP (BI_RGB, BI_BITFIELDS) must fit: offset + stride · |height|.</summary>
    static string? Bmp(ReadOnlySpan<byte> d)
    {
        if (d.Length < 34) return $"truncated BMP: {d.Length} bytes end inside the header";
        uint offset = BinaryPrimitives.ReadUInt32LittleEndian(d[10..]), header = BinaryPrimitives.ReadUInt32LittleEndian(d[14..]);
        if (header < 40) return null;                                        // OS/2 headers: left to the decoder
        long width = BinaryPrimitives.ReadInt32LittleEndian(d[18..]), height = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(d[22..]));
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(d[28..]);
        uint compression = BinaryPrimitives.ReadUInt32LittleEndian(d[30..]);
        if (compression is not (0 or 3)) return null;                        // RLE: its size is not known from the header
        long need = offset + (width * bits + 31) / 32 * 4 * height;
        return d.Length >= need ? null : $"truncated BMP: {d.Length} of its {need} bytes";
    }

    /// <summary>A RIFF file (WebP) states its size after the tag.</summary>
    static string? Riff(ReadOnlySpan<byte> d)
    {
        long need = 8L + BinaryPrimitives.ReadUInt32LittleEndian(d[4..]);
        return d.Length >= need ? null : $"truncated WebP: {d.Length} of its {need} bytes";
    }

    /// <summary>Binary PGM (P5) and PPM (P6): the header's width, height and maxval fix the size of what follows it.</summary>
    static string? Pnm(ReadOnlySpan<byte> d)
    {
        var fields = new long[3];
        int i = 2;
        for (int f = 0; f < 3; f++)
        {
            while (i < d.Length && (char.IsWhiteSpace((char)d[i]) || d[i] == '#'))
                if (d[i] == '#') while (i < d.Length && d[i] != '\n') i++; else i++;
            if (i >= d.Length || !char.IsAsciiDigit((char)d[i])) return i >= d.Length ? $"truncated {(d[1] == '5' ? "PGM" : "PPM")}: {d.Length} bytes end inside the header" : null;
            while (i < d.Length && char.IsAsciiDigit((char)d[i]) && fields[f] < int.MaxValue) fields[f] = fields[f] * 10 + (d[i++] - '0');
        }
        long need = i + 1 + fields[0] * fields[1] * (d[1] == '5' ? 1 : 3) * (fields[2] > 255 ? 2 : 1);
        return d.Length >= need ? null : $"truncated {(d[1] == '5' ? "PGM" : "PPM")}: {d.Length} of its {need} bytes";
    }
}
