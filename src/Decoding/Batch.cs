using static TorchSharp.torch;

namespace VideoVCReg.Decoding;

/// <summary>
/// What every loader hands the loop and the evaluator, whatever the modality: inputs (clips <c>[B, C, T, H, W]</c>
/// or images <c>[B, C, H, W]</c>), int64 labels <c>[B]</c>, and per row the sample id and view index, which
/// multi-view scores are merged on. <see cref="Index"/> is the batch's place in the epoch.
/// </summary>
public sealed record Batch(int Index, Tensor Inputs, Tensor Labels, IReadOnlyList<string> SampleIds, IReadOnlyList<int> ViewIds) : IDisposable
{
    public int Count => SampleIds.Count;

    public void Dispose()
    {
        Inputs.Dispose();
        Labels.Dispose();
    }
}
