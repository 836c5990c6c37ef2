using Microsoft.Extensions.Logging;
using VideoVCReg.Decoding.Datasets;
using static TorchSharp.torch;

namespace VideoVCReg.Decoding.Loading;

/// <summary>
/// Videos through the background loader (<see cref="BackgroundLoader{TWorker}"/>): each worker keeps the open
/// reader of its last video and the last decoded test clip, shared by that clip's crops.
/// </summary>
public sealed class VideoLoader(MediaDataset dataset, ViewPipeline pipeline, LoaderOptions options, ILogger? log = null)
    : BackgroundLoader<VideoLoader.DecodeCache>(options, log, "video")
{
    public MediaDataset Dataset => dataset;
    /// <summary>Videos that failed, with the reason.</summary>
    public IReadOnlyDictionary<string, string> SkippedVideos => Skipped;

    protected override int Count => dataset.Count;
    protected override int ViewsPerItem => pipeline.ViewsPerItem;
    protected override bool Shuffle => pipeline.Mode == ViewMode.Train;
    protected override DecodeCache NewWorker() => new(pipeline);

    protected override (string Path, string Id, long Label) Describe(int item)
    {
        var m = dataset.Items[item];
        return (m.Path, m.Id, m.Label);
    }

    protected override Tensor View(DecodeCache worker, int item, int view, Random rng)
    {
        var m = dataset.Items[item];
        return pipeline.Finish(worker.Clip(m, item, view, rng), m, view, rng, Options.Seed);
    }

    /// <summary>Per worker: the open reader of the last video, and the last decoded test clip (shared by its crops).</summary>
    public sealed class DecodeCache(ViewPipeline pipeline) : IDisposable
    {
        VideoReader? reader;
        Tensor? clip;
        (int Item, int Clip) clipKey = (-1, -1);

        public Tensor Clip(MediaItem item, int index, int view, Random rng)
        {
            if (pipeline.Mode == ViewMode.Test && clip is not null && clipKey == (index, pipeline.ClipOf(view))) return clip;
            if (reader?.Path != item.Path)
            {
                reader?.Dispose();
                reader = null;
                reader = VideoReader.Open(item.Path, pipeline.ReaderOptions);
            }
            var frames = pipeline.Frames(reader.Info.Frames, view, rng);
            var decoded = reader.ReadClip(frames);
            decoded.DetachFromDisposeScope();
            clip?.Dispose();
            (clip, clipKey) = (decoded, (index, pipeline.ClipOf(view)));
            return clip;
        }

        public void Dispose()
        {
            reader?.Dispose();
            clip?.Dispose();
        }
    }
}
