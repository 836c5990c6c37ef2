using VideoVCReg.Runtime.Data;

namespace VideoVCReg.FineTune;

/// <summary>
/// What the loop trains on: batches of an epoch (clips <c>[B, C, T, H, W]</c> or images <c>[B, C, H, W]</c> with
/// int64 labels) and how many there are. The video loader and an image loader both fit it.
/// </summary>
public sealed record TrainData(Func<int, CancellationToken, IEnumerable<Batch>> Epoch, int StepsPerEpoch);
