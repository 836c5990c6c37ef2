using static TorchSharp.torch;

namespace VideoVCReg.Decoding.Loading;

/// <summary>
/// One batch: clips <c>[B, C, T, H, W]</c>, labels <c>[B]</c> (int64), and per row the video id and view index,
/// which the evaluator merges multi-view scores on. <see cref="Index"/> is the batch's place in the epoch.
/// </summary>
public sealed record ClipBatch(int Index, Tensor Clips, Tensor Labels, IReadOnlyList<string> VideoIds, IReadOnlyList<int> Views) : IDisposable
{
    public int Count => VideoIds.Count;

    public void Dispose()
    {
        Clips.Dispose();
        Labels.Dispose();
    }
}
