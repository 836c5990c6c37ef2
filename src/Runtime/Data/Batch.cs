using static TorchSharp.torch;

namespace VideoVCReg.Runtime.Data;

/// <summary>
/// What every loader hands the loop and the evaluator, whatever the modality: inputs (clips <c>[B, C, T, H, W]</c>
/// or images <c>[B, C, H, W]</c>), int64 labels <c>[B]</c>, and per row the sample id and view index, which
/// multi-view scores are merged on. <see cref="Index"/> is the batch's place in the epoch.
/// </summary>
public sealed record Batch(int Index, Tensor Inputs, Tensor Labels, IReadOnlyList<string> SampleIds, IReadOnlyList<int> ViewIds) : IDisposable
{
    public int Count => SampleIds.Count;

    /// <summary>
    /// A batch whose every sample failed to load, handed out in a data-parallel run instead of nothing, so that every rank
    /// sees the same number of batches (the loop then skips it on all of them).
    /// </summary>
    public static Batch Empty(int index) => new(index, empty(0), empty(0, ScalarType.Int64), [], []);

    public void Dispose()
    {
        Inputs.Dispose();
        Labels.Dispose();
    }
}
