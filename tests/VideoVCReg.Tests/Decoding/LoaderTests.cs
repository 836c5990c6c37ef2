using VideoVCReg.Decoding.Datasets;
using VideoVCReg.Decoding.Loading;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Decoding;

[Collection(SynthDataCollection.Name)]
public class LoaderTests(SynthData data)
{
    static readonly ViewOptions Small = new() { ClipLength = 8, SamplingRate = 2, CropSize = 64, TrainShortSide = 80, TestClips = 2, TestCrops = 3 };

    static List<(float[] Clips, long[] Labels, string[] Ids, int[] Views)> Run(VideoLoader loader, int epoch) =>
        [.. loader.Epoch(epoch).Select(b =>
        {
            using (b)
            {
                Assert.Equal(b.Count, b.Inputs.shape[0]);
                return (b.Inputs.data<float>().ToArray(), b.Labels.data<long>().ToArray(), b.SampleIds.ToArray(), b.ViewIds.ToArray());
            }
        })];

    [Fact]
    public void Same_seed_gives_the_same_batches_and_each_epoch_is_reshuffled()
    {
        var ds = VideoVCReg.Decoding.Datasets.DatasetSplits.Load(VideoVCReg.Decoding.Datasets.DatasetSpec.Parse(data.Dir), 1).Train;
        var train = new ViewPipeline(Small, ViewMode.Train);
        var a = Run(new VideoLoader(ds, train, new LoaderOptions(BatchSize: 3, Workers: 2, Seed: 7)), 0);
        var b = Run(new VideoLoader(ds, train, new LoaderOptions(BatchSize: 3, Workers: 2, Seed: 7)), 0);
        var one = Run(new VideoLoader(ds, train, new LoaderOptions(BatchSize: 3, Workers: 1, Seed: 7)), 0);
        Assert.Equal((ds.Count + 2) / 3, a.Count);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].Ids, b[i].Ids);
            Assert.Equal(a[i].Clips, b[i].Clips);
            Assert.Equal(a[i].Clips, one[i].Clips);   // views depend on (seed, epoch, item, view), not on the worker
            Assert.Equal(a[i].Labels, ds.Items.Where(x => a[i].Ids.Contains(x.Id)).OrderBy(x => Array.IndexOf(a[i].Ids, x.Id)).Select(x => (long)x.Label));
        }
        Assert.Equal(ds.Items.Select(i => i.Id).Order(), a.SelectMany(x => x.Ids).Order());
        var epoch1 = Run(new VideoLoader(ds, train, new LoaderOptions(BatchSize: 3, Workers: 2, Seed: 7)), 1);
        Assert.NotEqual(a.SelectMany(x => x.Ids), epoch1.SelectMany(x => x.Ids));
        Assert.Equal(a.SelectMany(x => x.Ids).Order(), epoch1.SelectMany(x => x.Ids).Order());
        var otherSeed = Run(new VideoLoader(ds, train, new LoaderOptions(BatchSize: 3, Workers: 2, Seed: 8)), 0);
        Assert.NotEqual(a[0].Clips, otherSeed[0].Clips);
    }

    [Fact]
    public void Test_views_cover_clips_times_crops_per_video_with_normalised_shapes()
    {
        var ds = VideoVCReg.Decoding.Datasets.DatasetSplits.Load(VideoVCReg.Decoding.Datasets.DatasetSpec.Parse(data.Dir), 1).Test;
        var loader = new VideoLoader(ds, new ViewPipeline(Small, ViewMode.Test), new LoaderOptions(BatchSize: 4, Workers: 2));
        var batches = loader.Epoch(0).ToList();
        try
        {
            Assert.All(batches, b => Assert.Equal(new long[] { b.Count, 3, 8, 64, 64 }, b.Inputs.shape));
            var views = batches.SelectMany(b => b.SampleIds.Zip(b.ViewIds)).ToList();
            Assert.Equal(ds.Count * 6, views.Count);
            Assert.All(views.GroupBy(v => v.First), g => Assert.Equal(Enumerable.Range(0, 6), g.Select(v => v.Second).Order()));
            // Normalised: ImageNet statistics move [0, 1] pixels to roughly [-2.1, 2.6].
            Assert.All(batches, b => Assert.True(b.Inputs.min().item<float>() >= -2.2f && b.Inputs.max().item<float>() <= 2.7f));
            Assert.Contains(batches, b => b.Inputs.min().item<float>() < 0);
        }
        finally { foreach (var b in batches) b.Dispose(); }
    }

    [Fact]
    public void A_corrupt_video_is_skipped_counted_and_never_stops_the_epoch()
    {
        var ds = VideoVCReg.Decoding.Datasets.DatasetSplits.Load(VideoVCReg.Decoding.Datasets.DatasetSpec.Parse(data.Dir), 1).Train;
        var dir = Directory.CreateTempSubdirectory("videovcreg-corrupt-").FullName;
        try
        {
            var broken = Path.Combine(dir, "broken.avi");
            var bytes = File.ReadAllBytes(ds.Items[0].Path);
            File.WriteAllBytes(broken, bytes[..200]);
            var items = ds.Items.Take(4).Append(new MediaItem(broken, 1, "broken")).Concat(ds.Items.Skip(4)).ToList();
            var withBad = ds with { Items = items };
            var loader = new VideoLoader(withBad, new ViewPipeline(Small with { RandAugment = null }, ViewMode.Train), new LoaderOptions(BatchSize: 4, Workers: 2, Seed: 1));
            var first = Run(loader, 0);
            Assert.Equal(ds.Count, first.Sum(b => b.Ids.Length));
            Assert.DoesNotContain("broken", first.SelectMany(b => b.Ids));
            var reason = Assert.Single(loader.SkippedVideos);
            Assert.Equal(broken, reason.Key);
            Assert.Contains(broken, reason.Value);
            Assert.Equal(1, loader.SkippedViews);
            Run(loader, 1);
            Assert.Single(loader.SkippedVideos);
            Assert.Equal(2, loader.SkippedViews);
            Assert.StartsWith("1 video(s) skipped (2 views)", loader.Summary());
        }
        finally { Directory.Delete(dir, true); }
    }
}
