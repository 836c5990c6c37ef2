using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace VideoVCReg.Decoding.Images;

/// <summary>Images in memory written as an ImageFolder tree (<c>DIR/train/&lt;class&gt;/NNNNN.png</c>, <c>DIR/val/…</c>): the synthetic sets for the ImageFolder path.</summary>
public static class ImageFolderWriter
{
    /// <summary>Every PNG goes through <paramref name="write"/> (path, content), the caller's atomic writer.</summary>
    public static void Write(string dir, ImageArray train, ImageArray test, Action<string, Action<Stream>> write)
    {
        Write(Path.Combine(dir, "train"), train, write);
        Write(Path.Combine(dir, "val"), test, write);
    }

    static void Write(string dir, ImageArray images, Action<string, Action<Stream>> write)
    {
        foreach (var name in images.Classes) Directory.CreateDirectory(Path.Combine(dir, name));
        int plane = images.Height * images.Width;
        for (int i = 0; i < images.Count; i++)
        {
            using var image = new Image<Rgb24>(images.Width, images.Height);
            int offset = i * images.ImageBytes;
            for (int y = 0; y < images.Height; y++)
                for (int x = 0; x < images.Width; x++)
                {
                    int p = offset + y * images.Width + x;
                    image[x, y] = new Rgb24(images.Pixels[p], images.Pixels[p + plane], images.Pixels[p + 2 * plane]);
                }
            write(Path.Combine(dir, images.Classes[images.Labels[i]], $"{i:00000}.png"), s => image.SaveAsPng(s));
        }
    }
}
