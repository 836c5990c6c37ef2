namespace VideoVCReg.Decoding.Synthetic;

/// <summary>
/// What defines a synthetic class: the direction and speed of the moving shapes. Classes cycle through
/// eight directions; each further lap of eight is faster, so classes differ only in motion.
/// </summary>
public readonly record struct MotionClass(int Id, double DirectionRadians, double SpeedPixelsPerFrame)
{
    public string Name => $"move_{(int)Math.Round(DirectionRadians * 180 / Math.PI):D3}deg_speed{SpeedPixelsPerFrame:0.#}".Replace('.', 'p');

    public static MotionClass For(int id) => new(id, 2 * Math.PI * (id % 8) / 8, 1.5 + 2.0 * (id / 8));
}
