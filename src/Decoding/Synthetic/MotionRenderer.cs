using VideoVCReg.Runtime.Data;

namespace VideoVCReg.Decoding.Synthetic;

/// <summary>
/// Renders one synthetic video as RGB24 frames: five to eight shapes drifting with the class's velocity (plus a
/// little per-shape jitter) over a textured background that differs per video, with fresh noise per frame,
/// so that appearance says nothing about the class and motion says everything.
/// </summary>
/// <remarks>
/// The motion has to outweigh the appearance for a small model to learn it from a few dozen videos: shapes
/// cover a fifth to a quarter of the short side and, per channel, contrast with the background's base colour
/// (dark on light, light on dark), and the per-frame noise is mild (±6). With two to four small shapes of
/// any colour and ±12 noise, a 3-D CNN memorised each video's colours and stayed at chance on held-out ones.
/// </remarks>
public sealed class MotionRenderer(MotionClass motion, int width, int height, int seed, double? sceneHueJitter = null)
{
    readonly Random rng = new(seed);

    /// <summary>The background's base colour (R, G, B), known once the first frame is asked for.</summary>
    public IReadOnlyList<int> BaseColour { get; private set; } = [];

    /// <summary>
    /// Frames 0 … count − 1, or only those <paramref name="keep"/> accepts: the others are not drawn (the shapes
    /// still move), which makes rendering a sampled clip cost its frames, not the video's.
    /// </summary>
    public IEnumerable<byte[]> Frames(int count, Func<int, bool>? keep = null)
    {
        var (background, baseColour) = Texture();
        BaseColour = baseColour;
        int shapes = 5 + rng.Next(4), noiseSeed = rng.Next();
        var pos = new (double X, double Y)[shapes];
        var vel = new (double X, double Y)[shapes];
        var size = new int[shapes];
        var colour = new (byte R, byte G, byte B)[shapes];
        var round = new bool[shapes];
        for (int s = 0; s < shapes; s++)
        {
            pos[s] = (rng.NextDouble() * width, rng.NextDouble() * height);
            double speed = motion.SpeedPixelsPerFrame * (0.85 + 0.3 * rng.NextDouble());
            double angle = motion.DirectionRadians + (rng.NextDouble() - 0.5) * 0.3;
            vel[s] = (speed * Math.Cos(angle), -speed * Math.Sin(angle)); // image y grows downwards
            size[s] = Math.Max(8, Math.Min(width, height) / (4 + rng.Next(2)));
            colour[s] = (Contrasting(baseColour[0]), Contrasting(baseColour[1]), Contrasting(baseColour[2]));
            round[s] = rng.Next(2) == 0;
        }
        for (int t = 0; t < count; t++)
        {
            if (keep is not null && !keep(t))
            {
                for (int s = 0; s < shapes; s++) pos[s] = (Wrap(pos[s].X + vel[s].X, width), Wrap(pos[s].Y + vel[s].Y, height));
                continue;
            }
            var frame = (byte[])background.Clone();
            // Each frame's noise has its own stream, so a frame is the same whether or not the ones before it were drawn.
            var noise = new Random(Seeds.Mix(noiseSeed, t));
            for (int i = 0; i < frame.Length; i++) frame[i] = (byte)Math.Clamp(frame[i] + noise.Next(-6, 7), 0, 255);
            for (int s = 0; s < shapes; s++)
            {
                Draw(frame, pos[s], size[s], colour[s], round[s]);
                pos[s] = (Wrap(pos[s].X + vel[s].X, width), Wrap(pos[s].Y + vel[s].Y, height));
            }
            yield return frame;
        }
    }

    /// <summary>A channel value at least 72 away from the background's base (60–179): light on dark, dark on light.</summary>
    byte Contrasting(int background) => (byte)(background < 128 ? 200 + rng.Next(56) : rng.Next(56));

    static double Wrap(double v, int n) => ((v % n) + n) % n;

    (byte[] Pixels, int[] Base) Texture()
    {
        var tex = new byte[width * height * 3];
        double fx = 0.02 + 0.1 * rng.NextDouble(), fy = 0.02 + 0.1 * rng.NextDouble(), phase = rng.NextDouble() * 6.28;
        var baseColour = sceneHueJitter is double jitter ? SceneColour(jitter) : [60 + rng.Next(120), 60 + rng.Next(120), 60 + rng.Next(120)];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                double v = 35 * Math.Sin(fx * x + phase) * Math.Cos(fy * y) + 20 * Math.Sin(0.37 * x * fy + 0.23 * y * fx);
                for (int c = 0; c < 3; c++)
                    tex[(y * width + x) * 3 + c] = (byte)Math.Clamp(baseColour[c] + v + rng.Next(-20, 21), 0, 255);
            }
        return (tex, baseColour);
    }

    /// <summary>
    /// A background base whose hue is the motion's direction in degrees (0° red, 120° green, 240° blue) moved by up to
    /// ± <paramref name="jitter"/>°: a scene cue, as a pool goes with swimming, that tells neighbouring
    /// directions apart only partly when the jitter exceeds half their spacing.
    /// </summary>
    int[] SceneColour(double jitter)
    {
        double hue = motion.DirectionRadians * 180 / Math.PI + (2 * rng.NextDouble() - 1) * jitter;
        var (r, g, b) = Hsv.ToRgb(hue, 0.8, 0.9);
        return [.. new[] { r, g, b }.Select(u => 60 + (int)Math.Round(119 * u))];
    }

    void Draw(byte[] frame, (double X, double Y) centre, int size, (byte R, byte G, byte B) c, bool round)
    {
        int half = size / 2;
        for (int dy = -half; dy <= half; dy++)
            for (int dx = -half; dx <= half; dx++)
            {
                if (round && dx * dx + dy * dy > half * half) continue;
                // Shapes wrap around the edges, so every frame shows the same amount of motion.
                int x = (int)Wrap(centre.X + dx, width), y = (int)Wrap(centre.Y + dy, height);
                int i = (y * width + x) * 3;
                frame[i] = c.R; frame[i + 1] = c.G; frame[i + 2] = c.B;
            }
    }
}
