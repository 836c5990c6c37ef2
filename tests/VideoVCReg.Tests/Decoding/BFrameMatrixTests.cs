using VideoVCReg.Decoding;
using VideoVCReg.Decoding.Datasets;
using VideoVCReg.Decoding.Loading;
using VideoVCReg.Decoding.Sampling;
using VideoVCReg.Decoding.Transforms;
using VideoVCReg.Tests.Support;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Decoding;

/// <summary>
/// Every row of <see cref="VideoMatrix"/> (issue 27's defect files included) decodes to the ffmpeg CLI's frames
/// (±1 level, autorotated as the CLI shows them) in three index orders (forward, backward, shuffled with repeats),
/// each from a fresh reader, and counts the frames `ffprobe -count_frames` counts.
/// </summary>
[Collection(VideoMatrixCollection.Name)]
public class BFrameMatrixTests(VideoMatrix matrix)
{
    // The 45° matrix is rounded where the CLI interpolates (DefectMatrixTests), and cover art is no video.
    public static TheoryData<string> Rows => [.. VideoMatrix.Combinations.Concat(VideoMatrix.Named.Keys)
        .Concat(VideoMatrix.Defects.Keys.Except(["d7-rotate45.mp4", "cover-art.mp3"]))];

    [Theory]
    [MemberData(nameof(Rows))]
    public void Every_frame_matches_the_ffmpeg_cli_in_every_order(string row)
    {
        var file = matrix[row];
        int n;
        int width, height;
        using (var probe = VideoReader.Open(file))
            (n, width, height) = (probe.Info.Frames, probe.OutputWidth, probe.OutputHeight);
        Assert.Equal(FfmpegCli.CountDecodedFrames(file), n);
        // FFmpeg's Theora decoder is not reproducible with threads (the reader decodes it on one): the reference does the same.
        var reference = FfmpegCli.AllFrames(file, width, height, threads: row == "theora" ? 1 : null);
        Assert.Equal(n, reference.Length);
        Assert.True(FrameAssert.MaxDifference(reference[0], reference[1]) > 1, $"{row}: frames 0 and 1 look alike");

        var rng = new Random(row.GetHashCode(StringComparison.Ordinal) & 0xffff);
        var shuffled = Enumerable.Range(0, n).Select(i => (long)i).Concat([n / 3, n / 3, 0, n - 1]).ToArray();
        rng.Shuffle(shuffled);
        var orders = new Dictionary<string, long[]>
        {
            ["forward"] = [.. Enumerable.Range(0, n).Select(i => (long)i)],
            ["backward"] = [.. Enumerable.Range(0, n).Reverse().Select(i => (long)i)],
            ["shuffled"] = shuffled,
        };
        var rgb = new byte[width * height * 3];
        foreach (var (name, order) in orders)
        {
            using var reader = VideoReader.Open(file);
            foreach (var k in order)
            {
                reader.ReadFrame(k, rgb);
                FrameAssert.SameFrame(reference[k], rgb, $"{row} ({name} order) frame {k}");
            }
        }
    }
}

/// <summary>
/// A seek costs one GOP even where the demuxer lands late: MPEG-TS seeks by dts, so seeking to a keyframe's pts
/// lands one packet after it; the landing check retries with the dts. Without it the last GOP of a file has no
/// keyframe after the landing, and the reader falls back to decoding from frame 0.
/// </summary>
[Collection(VideoMatrixCollection.Name)]
public class LateLandingTests(VideoMatrix matrix)
{
    [Theory]
    [InlineData("ts-h264-bf2-g12")]
    [InlineData("ts-mpeg4-bf2-g12")]
    [InlineData("avi-mpeg4-bf2-g12")]
    public void Random_access_into_the_last_gop_decodes_that_gop_only(string row)
    {
        using var reader = VideoReader.Open(matrix[row]);
        int n = reader.Info.Frames;
        var rgb = new byte[reader.FrameBytes];
        reader.ReadFrame(n - 1, rgb);
        // The last GOP holds at most 12 frames (plus the decoder's reorder delay and an open GOP's leading B-frames).
        Assert.InRange(reader.DecodedFrames, 1, 12 + 6);
        long before = reader.DecodedFrames;
        reader.ReadFrame(n / 2 + 1, rgb);
        Assert.InRange(reader.DecodedFrames - before, 1, 12 + 6);
    }
}

/// <summary>The samplers and the loader see the frames a whole-video decode gives, on B-frame AVIs.</summary>
[Collection(VideoMatrixCollection.Name)]
public class BFrameClipTests(VideoMatrix matrix)
{
    static readonly string[] BFrameAvis = ["xvid-bf2-g12-q4", "divx-bf3-g250-qpel", "h264-avi-bf3"];

    /// <summary>The whole video from the CLI as [C, N, H, W] in [0, 1], short side scaled as the reader does (bicubic).</summary>
    static Tensor WholeVideo(string file, int width, int height)
    {
        var frames = FfmpegCli.AllFrames(file, width, height, filter: $"scale={width}:{height}:flags=bicubic");
        using var bytes = tensor(frames.SelectMany(f => f).ToArray(), [frames.Length, height, width, 3]);
        return bytes.permute(3, 0, 1, 2).to_type(ScalarType.Float32).div(255f);
    }

    [Fact]
    public void Train_and_test_sampler_clips_equal_indexing_the_whole_video()
    {
        foreach (var row in BFrameAvis)
        {
            var file = matrix[row];
            using var reader = VideoReader.Open(file);
            using var whole = WholeVideo(file, reader.OutputWidth, reader.OutputHeight);
            int n = reader.Info.Frames;
            var clips = Enumerable.Range(0, 4).Select(s => new TrainSampler(8, 4).Sample(n, new Random(s)))
                .Concat(Enumerable.Range(0, 3).Select(c => new TestSampler(8, 4, 3, 1).ClipFrames(n, c)));
            foreach (var indices in clips)
            {
                using var clip = reader.ReadClip(indices);
                using var expected = whole.index_select(1, tensor(indices));
                float diff = clip.sub(expected).abs().max().item<float>();
                Assert.True(diff <= 1.5f / 255, $"{row} clip [{string.Join(",", indices)}]: {diff * 255:F1} levels from the whole-video decode");
            }
        }
    }

    [Fact]
    public void Loader_test_views_equal_views_cut_from_the_whole_video()
    {
        var list = Path.Combine(matrix.Dir, "bframe-avis.txt");
        File.WriteAllLines(list, BFrameAvis.Select((row, i) => $"{matrix[row]} {i}"));
        var dataset = ListFile.Load(list);
        var options = new ViewOptions { ClipLength = 8, SamplingRate = 4, CropSize = 64, TestClips = 3, TestCrops = 3, Normalization = new([0, 0, 0], [1, 1, 1]) };
        var pipeline = new ViewPipeline(options, ViewMode.Test);
        var loader = new VideoLoader(dataset, pipeline, new LoaderOptions(BatchSize: 5, Workers: 2));
        int seen = 0;
        foreach (var batch in loader.Epoch(0))
            using (batch)
                for (int r = 0; r < batch.Count; r++)
                {
                    var item = dataset.Items.Single(i => i.Id == batch.SampleIds[r]);
                    using var reader = VideoReader.Open(item.Path, pipeline.ReaderOptions);
                    using var whole = WholeVideo(item.Path, reader.OutputWidth, reader.OutputHeight);
                    int view = batch.ViewIds[r];
                    using var clip = whole.index_select(1, tensor(pipeline.Frames(reader.Info.Frames, view, new Random(0))));
                    using var expected = pipeline.Finish(clip, item, view, new Random(0), 0);
                    float diff = batch.Inputs[r].sub(expected).abs().max().item<float>();
                    Assert.True(diff <= 1.5f / 255, $"{item.Path} view {view}: {diff * 255:F1} levels from the whole-video decode");
                    seen++;
                }
        Assert.Equal(BFrameAvis.Length * 9, seen);
        Assert.Empty(loader.SkippedVideos);
    }
}

/// <summary>
/// swscale's unscaled converters wrote past the end of a packed RGB image 120 pixels wide (a multiple of 8,
/// not of 16), corrupting the managed heap: the process died a frame or two later. Such widths, native
/// and as the upright size of rotated video, must decode every frame exactly and leave the process alive.
/// </summary>
[Collection(VideoMatrixCollection.Name)]
public class ConverterWidthTests(VideoMatrix matrix)
{
    [Theory]
    [InlineData(120, 160)]
    [InlineData(168, 96)]
    [InlineData(200, 120)]
    public void Every_frame_of_an_awkward_width_matches_the_cli(int width, int height)
    {
        var file = Path.Combine(matrix.Dir, $"w{width}x{height}.mp4");
        FfmpegCli.Run("-f", "lavfi", "-i", $"testsrc2=size={width}x{height}:rate=30:duration=1", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "10", file);
        var reference = FfmpegCli.AllFrames(file, width, height);
        using var reader = VideoReader.Open(file);
        var rgb = new byte[reader.FrameBytes];
        for (int pass = 0; pass < 3; pass++)
            foreach (var k in Enumerable.Range(0, reference.Length).Reverse())
            {
                reader.ReadFrame(k, rgb);
                FrameAssert.SameFrame(reference[k], rgb, $"{width}x{height} frame {k}");
            }
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }
}
