namespace VideoVCReg.Decoding.Datasets;

/// <summary>
/// A list of items with class names (index = label). Every source (HMDB51 splits, list files, Kinetics CSV,
/// the synthetic set) reads into this; the loader and its view pipeline know nothing of the source.
/// </summary>
public sealed record MediaDataset(string Source, IReadOnlyList<string> Classes, IReadOnlyList<MediaItem> Items)
{
    public int Count => Items.Count;

    public MediaDataset Subset(IEnumerable<MediaItem> items, string suffix) => this with { Source = $"{Source} ({suffix})", Items = [.. items] };
}
