using TorchSharp;
using static TorchSharp.torch;

namespace VideoVCReg.Models;

/// <summary>Position tables: VideoMAE's fixed 1-D sin-cos table and resampling of learned space-time grids.</summary>
public static class PositionEmbedding
{
    /// <summary>
    /// VideoMAE's get_sinusoid_encoding_table: angle(p, j) = p / 10000^(2⌊j/2⌋/d), sin on even j, cos on odd j,
    /// over the flattened token index. Computed in double like the numpy original, then cast: [1, n, d].
    /// </summary>
    public static Tensor SinCos(int n, int d)
    {
        var table = new float[(long)n * d];
        for (int p = 0; p < n; p++)
            for (int j = 0; j < d; j++)
            {
                double angle = p / Math.Pow(10000, 2.0 * (j / 2) / d);
                table[(long)p * d + j] = (float)(j % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle));
            }
        return torch.tensor(table, new long[] { 1, n, d });
    }

    /// <summary>
    /// Resamples a learned table [1, prefix + t·h·w, d] from grid (t0, h0, w0) to (t1, h1, w1) by trilinear
    /// interpolation; the prefix (cls) tokens are kept as they are.
    /// </summary>
    public static Tensor Resample(Tensor table, int prefix, (int t, int h, int w) from, (int t, int h, int w) to)
    {
        using var scope = NewDisposeScope();
        long d = table.shape[^1];
        long expected = prefix + (long)from.t * from.h * from.w;
        if (table.shape[1] != expected)
            throw new InvalidDataException($"position table has {table.shape[1]} tokens, expected {expected} for a {from.t}x{from.h}x{from.w} grid");
        var head = table[.., ..prefix];
        var grid = table[.., prefix..].reshape(1, from.t, from.h, from.w, d).permute(0, 4, 1, 2, 3);
        var resized = nn.functional.interpolate(grid.to(float32), new long[] { to.t, to.h, to.w },
            mode: InterpolationMode.Trilinear, align_corners: false).to(table.dtype);
        var flat = resized.permute(0, 2, 3, 4, 1).reshape(1, (long)to.t * to.h * to.w, d);
        return torch.cat([head, flat], 1).MoveToOuterDisposeScope();
    }
}
