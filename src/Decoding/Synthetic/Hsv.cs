namespace VideoVCReg.Decoding.Synthetic;

/// <summary>HSV to RGB (each in [0, 1]) for the synthetic data's hues; the hue in degrees, any real value.</summary>
public static class Hsv
{
    public static (double R, double G, double B) ToRgb(double hueDegrees, double saturation, double value)
    {
        double h = ((hueDegrees % 360) + 360) % 360 / 60, c = value * saturation, x = c * (1 - Math.Abs(h % 2 - 1)), m = value - c;
        var (r, g, b) = (int)h switch { 0 => (c, x, 0.0), 1 => (x, c, 0.0), 2 => (0.0, c, x), 3 => (0.0, x, c), 4 => (x, 0.0, c), _ => (c, 0.0, x) };
        return (r + m, g + m, b + m);
    }
}
