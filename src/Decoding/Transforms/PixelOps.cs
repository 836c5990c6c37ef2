namespace VideoVCReg.Decoding.Transforms;

/// <summary>
/// An 8-bit RGB image as planes of levels (<c>[3, H, W]</c> floats holding whole numbers 0–255), and the operations the
/// two-view augmentations apply to it, written out per pixel: PIL's where torchvision runs PIL's (ImageEnhance's blend,
/// truncated as PIL truncates; convert("L")'s fixed-point luma; solarize), torchvision's own for hue (its float HSV
/// path) and blur (gaussian_blur on the levels, rounded), and the bilinear resize of its tensor path. Plain arrays,
/// no tensor per operation: a view costs a few passes over 3·H·W floats.
/// </summary>
public sealed class PixelOps(float[] levels, int height, int width)
{
    public float[] Levels { get; private set; } = levels;
    public int Height { get; private set; } = height;
    public int Width { get; private set; } = width;
    int Plane => Height * Width;

    /// <summary>PIL's Image.blend on 8-bit bands: d + α(x − d) in float32, truncated toward zero, clipped to [0, 255].</summary>
    static float Blend(float degenerate, float x, float alpha)
    {
        float t = degenerate + alpha * (x - degenerate);
        return t <= 0 ? 0 : t >= 255 ? 255 : MathF.Truncate(t);
    }

    /// <summary>PIL's convert("L"): (19595 R + 38470 G + 7471 B + 2^15) >> 16.</summary>
    float[] Luma()
    {
        var l = new float[Plane];
        for (int i = 0; i < l.Length; i++)
            l[i] = ((int)Levels[i] * 19595 + (int)Levels[Plane + i] * 38470 + (int)Levels[2 * Plane + i] * 7471 + 0x8000) >> 16;
        return l;
    }

    /// <summary>ImageEnhance.Brightness: blend with black.</summary>
    public void Brightness(double factor)
    {
        for (int i = 0; i < Levels.Length; i++) Levels[i] = Blend(0, Levels[i], (float)factor);
    }

    /// <summary>ImageEnhance.Contrast: blend with the mean grey, int(mean + 0.5).</summary>
    public void Contrast(double factor)
    {
        var l = Luma();
        double sum = 0;
        foreach (var v in l) sum += v;
        float mean = (int)(sum / l.Length + 0.5);
        for (int i = 0; i < Levels.Length; i++) Levels[i] = Blend(mean, Levels[i], (float)factor);
    }

    /// <summary>ImageEnhance.Color (saturation): blend with the image's own grey.</summary>
    public void Saturation(double factor)
    {
        var l = Luma();
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < Plane; i++) Levels[c * Plane + i] = Blend(l[i], Levels[c * Plane + i], (float)factor);
    }

    /// <summary>torchvision's Grayscale(3) on a PIL image: the luma in every band.</summary>
    public void Grayscale()
    {
        var l = Luma();
        for (int c = 0; c < 3; c++) Array.Copy(l, 0, Levels, c * Plane, Plane);
    }

    /// <summary>ImageOps.solarize: levels at or above the threshold inverted.</summary>
    public void Solarize(int threshold = 128)
    {
        for (int i = 0; i < Levels.Length; i++) if (Levels[i] >= threshold) Levels[i] = 255 - Levels[i];
    }

    /// <summary>Writes the image as ToTensor then Normalize would give it, (level / 255 − mean) / std per band, into <paramref name="into"/> at <paramref name="offset"/>.</summary>
    public void WriteNormalised(float[] into, int offset, double[] mean, double[] std)
    {
        for (int c = 0; c < 3; c++)
        {
            float m = (float)mean[c], s = (float)std[c];
            for (int k = 0; k < Plane; k++) into[offset + c * Plane + k] = (Levels[c * Plane + k] / 255f - m) / s;
        }
    }

    public void FlipHorizontal()
    {
        for (int row = 0; row < 3 * Height; row++) Array.Reverse(Levels, row * Width, Width);
    }

    /// <summary>torchvision's adjust_hue on the float image (its tensor path: RGB → HSV, hue turned by <paramref name="factor"/>, back), unrounded when <paramref name="round"/> is false.</summary>
    public void Hue(double factor, bool round = true)
    {
        for (int i = 0; i < Plane; i++)
        {
            float r = Levels[i] / 255f, g = Levels[Plane + i] / 255f, b = Levels[2 * Plane + i] / 255f;
            float max = MathF.Max(r, MathF.Max(g, b)), min = MathF.Min(r, MathF.Min(g, b)), range = max - min;
            float h = 0, s = 0;
            if (range > 0)
            {
                s = range / max;
                // Which channel is largest decides the sector, r before g before b on ties, as torchvision's masks.
                h = max == r ? (g - b) / range : max == g ? (b - r) / range + 2 : (r - g) / range + 4;
                h = (h / 6 + 1) % 1;
            }
            h = (float)(((h + factor) % 1 + 1) % 1);
            float h6 = h * 6, sector = MathF.Floor(h6), f = h6 - sector;
            float p = Math.Clamp(max * (1 - s), 0, 1), q = Math.Clamp(max * (1 - s * f), 0, 1), t = Math.Clamp(max * (1 - s * (1 - f)), 0, 1);
            (float R, float G, float B) rgb = ((int)sector % 6) switch
            {
                0 => (max, t, p), 1 => (q, max, p), 2 => (p, max, t), 3 => (p, q, max), 4 => (t, p, max), _ => (max, p, q),
            };
            Levels[i] = Level(rgb.R, round);
            Levels[Plane + i] = Level(rgb.G, round);
            Levels[2 * Plane + i] = Level(rgb.B, round);
        }
    }

    static float Level(float unit, bool round) => round ? MathF.Round(Math.Clamp(unit, 0, 1) * 255) : unit * 255;

    /// <summary>
    /// torchvision's gaussian_blur: a normalised Gaussian of odd size <paramref name="kernel"/> and σ <paramref name="sigma"/>
    /// pixels, reflect padding, on the levels, rounded half to even as torch.round. Separable, in double.
    /// </summary>
    public void GaussianBlur(int kernel, double sigma)
    {
        if (kernel < 1 || kernel % 2 == 0) throw new ArgumentException($"blur kernel must be odd and ≥ 1 (got {kernel})");
        if (!(sigma > 0)) throw new ArgumentException($"blur sigma must be > 0 (got {sigma})");
        int half = kernel / 2;
        if (half >= Height || half >= Width) throw new ArgumentException($"blur kernel {kernel} too large for a {Width}×{Height} image (reflect padding)");
        var taps = new double[kernel];
        for (int k = 0; k < kernel; k++) taps[k] = Math.Exp(-0.5 * Math.Pow((k - half) / sigma, 2));
        double total = taps.Sum();
        for (int k = 0; k < kernel; k++) taps[k] /= total;
        static int Reflect(int i, int n) => i < 0 ? -i : i >= n ? 2 * n - 2 - i : i;
        var rows = new double[Plane];
        for (int c = 0; c < 3; c++)
        {
            int o = c * Plane;
            for (int y = 0; y < Height; y++)
                for (int x = 0; x < Width; x++)
                {
                    double v = 0;
                    for (int k = 0; k < kernel; k++) v += taps[k] * Levels[o + y * Width + Reflect(x + k - half, Width)];
                    rows[y * Width + x] = v;
                }
            for (int y = 0; y < Height; y++)
                for (int x = 0; x < Width; x++)
                {
                    double v = 0;
                    for (int k = 0; k < kernel; k++) v += taps[k] * rows[Reflect(y + k - half, Height) * Width + x];
                    Levels[o + y * Width + x] = (float)Math.Clamp(Math.Round(v, MidpointRounding.ToEven), 0, 255);
                }
        }
    }

    /// <summary>
    /// Crops the window and resizes it to <paramref name="size"/>² bilinearly as torch's interpolate (align_corners false,
    /// no antialias), rounded back to levels.
    /// </summary>
    public void CropResize(int top, int left, int h, int w, int size)
    {
        var result = new float[3 * size * size];
        double sy = (double)h / size, sx = (double)w / size;
        for (int y = 0; y < size; y++)
        {
            double fy = Math.Max((y + 0.5) * sy - 0.5, 0);
            int y0 = (int)fy, y1 = Math.Min(y0 + 1, h - 1);
            double ly = fy - y0;
            for (int x = 0; x < size; x++)
            {
                double fx = Math.Max((x + 0.5) * sx - 0.5, 0);
                int x0 = (int)fx, x1 = Math.Min(x0 + 1, w - 1);
                double lx = fx - x0;
                for (int c = 0; c < 3; c++)
                {
                    int o = c * Plane;
                    float At(int yy, int xx) => Levels[o + (top + yy) * Width + left + xx];
                    double v = (1 - ly) * ((1 - lx) * At(y0, x0) + lx * At(y0, x1)) + ly * ((1 - lx) * At(y1, x0) + lx * At(y1, x1));
                    result[c * size * size + y * size + x] = (float)Math.Round(v);
                }
            }
        }
        (Levels, Height, Width) = (result, size, size);
    }
}
