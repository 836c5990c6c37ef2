namespace VideoVCReg.Decoding.Datasets;

/// <summary>One sample of a dataset: a file (video now, image later), its class and a stable id that multi-view scores merge on.</summary>
public sealed record MediaItem(string Path, int Label, string Id);
