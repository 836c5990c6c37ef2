namespace VideoVCReg.Decoding;

/// <summary>
/// How a stored picture is laid upright for display: one of the eight ways to lay a rectangle down, as an optional
/// transpose followed by flips. Output pixel (x, y) shows stored pixel (sx, sy), where (u, v) = Transpose ? (y, x) : (x, y),
/// sx = FlipX ? W−1−u : u and sy = FlipY ? H−1−v : v for the stored size W×H.
/// </summary>
public readonly record struct Orientation(bool Transpose, bool FlipX, bool FlipY)
{
    public bool IsUpright => !Transpose && !FlipX && !FlipY;

    /// <summary>Size after orienting a <paramref name="width"/>×<paramref name="height"/> picture.</summary>
    public (int Width, int Height) Size(int width, int height) => Transpose ? (height, width) : (width, height);

    /// <summary>A clockwise turn by 0, 90, 180 or 270 degrees.</summary>
    public static Orientation Clockwise(int degrees) => ((degrees % 360 + 360) % 360) switch
    {
        0 => new(false, false, false),
        90 => new(true, false, true),
        180 => new(false, true, true),
        270 => new(true, true, false),
        _ => throw new ArgumentOutOfRangeException(nameof(degrees), degrees, "rotation must be 0, 90, 180 or 270"),
    };

    /// <summary>
    /// What the ffmpeg 5.1 CLI's autorotation makes of a display matrix (fftools/ffmpeg_filter.c): θ, the clockwise
    /// angle from av_display_rotation_get, picks transpose=clock or cclock_flip at 90°, hflip and/or vflip at 180°,
    /// clock_flip or cclock at 270° and vflip at 0°, each chosen by the sign of one matrix entry (a mirrored matrix
    /// reads as a rotation plus that sign). Where θ is off a multiple of 90° by a degree or more, the CLI turns the
    /// picture with the bilinear `rotate` filter (same size, black corners); here it is rounded to the nearest
    /// multiple instead, and <paramref name="warning"/> says so.
    /// </summary>
    /// <param name="m">The 3×3 matrix, row-major, a b u / c d v / x y w.</param>
    /// <param name="counterClockwise">av_display_rotation_get(m): degrees counter-clockwise, NaN when degenerate.</param>
    internal static Orientation FromDisplayMatrix(int[] m, double counterClockwise, out int degrees, out string? warning)
    {
        warning = null;
        degrees = 0;
        if (double.IsNaN(counterClockwise)) return default;
        double theta = -Math.Round(counterClockwise);
        theta -= 360 * Math.Floor(theta / 360 + 0.9 / 360);
        degrees = (int)(Math.Round(theta / 90, MidpointRounding.AwayFromZero) * 90) % 360;
        if (Math.Abs(theta - Math.Round(theta / 90, MidpointRounding.AwayFromZero) * 90) >= 1)
            warning = $"the display matrix turns the picture by {theta:0.#}°, not a multiple of 90°: rounded to {degrees}°";
        return degrees switch
        {
            90 => m[3] > 0 ? new(true, false, false) : new(true, false, true),   // cclock_flip : clock
            180 => new(false, m[0] < 0, m[4] < 0),                                 // hflip, vflip
            270 => m[3] < 0 ? new(true, true, true) : new(true, true, false),     // clock_flip : cclock
            _ => new(false, false, m[4] < 0),                                      // vflip
        };
    }
}
