using Microsoft.Extensions.Logging;
using VideoVCReg.Decoding.Images;
using static TorchSharp.torch;

namespace VideoVCReg.Decoding.Loading;

/// <summary>Image files through the background loader: one view per image, decoded and transformed by <see cref="ImageViews"/>.</summary>
public sealed class ImageFolderLoader(ImageFolderSet set, ImageViewSpec spec, LoaderOptions options, ILogger? log = null)
    : BackgroundLoader<ImageFolderLoader.NoState>(options, log, "image")
{
    public ImageFolderSet Set => set;

    protected override int Count => set.Count;
    protected override int ViewsPerItem => 1;
    protected override bool Shuffle => spec.Kind is ImageViewKind.Train or ImageViewKind.TwoViews;
    protected override NoState NewWorker() => new();

    protected override (string Path, string Id, long Label) Describe(int item)
    {
        var f = set.Files[item];
        return (f.Path, f.Id, f.Label);
    }

    protected override Tensor View(NoState worker, int item, int view, Random rng) => ImageViews.Load(set.Files[item].Path, spec, rng);

    /// <summary>Images need no per-worker state.</summary>
    public sealed class NoState : IDisposable
    {
        public void Dispose() { }
    }
}
