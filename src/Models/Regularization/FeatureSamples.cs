using static TorchSharp.torch;

namespace VideoVCReg.Models.Regularization;

/// <summary>Where the feature dimension d sits in a tensor of rank &gt; 2.</summary>
public enum FeatureLayout
{
    /// <summary>Rank 2 and 3 (ViT tokens [B, N, D]) use the last axis; rank 4 and 5 (NCHW, NCTHW) use axis 1.</summary>
    Auto,
    ChannelsLast,
    ChannelsFirst,
}

/// <summary>
/// Paper §3.2: every spatial (and temporal) position is a sample. Tokens [B, N, D] give n = B·N;
/// NCHW maps give d = C, n = B·H·W; video maps [B, C, T, H, W] give n = B·T·H·W.
/// </summary>
public static class FeatureSamples
{
    /// <summary>
    /// The batch rows of each VCReg group (<see cref="VcRegOptions.Groups"/>): sample b, its <see cref="VcRegOptions.RowsPerSample"/>
    /// consecutive rows, in group b mod G. One definition for the fast backward and the naive loss, so both group alike.
    /// </summary>
    public static IReadOnlyList<Tensor> GroupRows(long rows, VcRegOptions o, Device device)
    {
        long per = o.RowsPerSample;
        int g = o.Groups;
        if (rows < g * per) throw new ArgumentException($"a batch of {rows} rows ({per} per sample) cannot be split into {g} VCReg groups");
        var sample = arange(0L, rows, dtype: ScalarType.Int64, device: device).div(per, rounding_mode: RoundingMode.floor);
        return [.. Enumerable.Range(0, g).Select(r => nonzero(sample.remainder(g).eq(r)).flatten())];
    }

    public static bool IsChannelsFirst(Tensor x, FeatureLayout layout) => x.dim() > 2 && layout switch
    {
        FeatureLayout.ChannelsFirst => true,
        FeatureLayout.ChannelsLast => false,
        _ => x.dim() >= 4,
    };

    /// <summary>The (n, d) matrix of samples; a view where the layout allows.</summary>
    public static Tensor ToMatrix(Tensor x, FeatureLayout layout)
    {
        if (x.dim() < 2) throw new ArgumentException($"VCReg needs at least a [n, d] tensor, got shape [{string.Join(", ", x.shape)}]");
        var last = IsChannelsFirst(x, layout) ? x.movedim([1], [-1]) : x;
        return last.reshape(-1, last.shape[^1]);
    }

    /// <summary>
    /// The (n, d) rows of a channels-first tensor (d on axis 1) whose memory is channels-last (d the fastest axis, the
    /// others in order), as a view; null when its strides are any other.
    /// </summary>
    public static Tensor? ChannelsLastRows(Tensor x)
    {
        if (x.dim() < 3) return null;
        var moved = x.movedim([1], [-1]);
        return moved.is_contiguous() ? moved.view(-1, x.shape[1]) : null;
    }

    /// <summary>Puts an (n, d) matrix back into the shape and layout of <paramref name="like"/>.</summary>
    public static Tensor FromMatrix(Tensor m, Tensor like, FeatureLayout layout)
    {
        if (!IsChannelsFirst(like, layout)) return m.reshape(like.shape);
        var shape = like.shape.ToList();
        long c = shape[1];
        shape.RemoveAt(1);
        shape.Add(c);
        return m.reshape(shape.ToArray()).movedim([-1], [1]);
    }

    /// <summary>float64 stays float64 (for exactness tests); everything else is computed in float32.</summary>
    public static ScalarType ComputeType(Tensor x) => x.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
}
