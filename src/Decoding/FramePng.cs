using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace VideoVCReg.Decoding;

/// <summary>Writes packed RGB24 frames as lossless PNGs (for inspection and reference checks).</summary>
public static class FramePng
{
    static readonly PngEncoder Encoder = new() { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit8 };

    public static void Save(ReadOnlySpan<byte> rgb, int width, int height, string path)
    {
        using var image = Image.LoadPixelData<Rgb24>(rgb[..(width * height * 3)], width, height);
        image.SaveAsPng(path, Encoder);
    }
}
