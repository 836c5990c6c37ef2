using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using VideoVCReg.Cli.Bench;
using VideoVCReg.Cli.Hosting;

namespace VideoVCReg.Cli.Commands;

/// <summary>
/// `videovcreg bench decode [--json]`: full-decode frames/s and random-clip clips/s on two generated
/// files, next to PyAV measured in the same run (bench/pyav_decode.py with Debian's python3-av); then the
/// end-to-end loader (train transforms, 224² normalised) on the AVI with 1 and 2 workers, and its scaling.
/// </summary>
public static class BenchDecodeCommand
{
    public static Command Build()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table" };
        var clips = new Option<int>("--clips") { Description = "Random clips per file", DefaultValueFactory = _ => 30 };
        var loaderClips = new Option<int>("--loader-clips") { Description = "Clips through the loader per worker count", DefaultValueFactory = _ => 24 };
        var cmd = new Command("decode", "Decode speed (full video and random 16×4 training clips) against PyAV, on a 320×240 MPEG-4 AVI and a 1080p H.264 MP4");
        cmd.Options.Add(json);
        cmd.Options.Add(clips);
        cmd.Options.Add(loaderClips);
        Verb.SetAction(cmd, ctx =>
        {
            int nClips = ctx.Parse.GetValue(clips), nLoader = ctx.Parse.GetValue(loaderClips);
            if (nClips < 1) throw new ArgumentException("--clips must be at least 1");
            if (nLoader < 1) throw new ArgumentException("--loader-clips must be at least 1");
            int seed = (int)ctx.Runtime.Seed;
            var ours = new JsonObject();
            var pyav = new JsonObject();
            var full = new JsonObject(); var clip = new JsonObject(); var pyFull = new JsonObject(); var pyClip = new JsonObject();
            var fullRatio = new JsonObject(); var clipRatio = new JsonObject(); var clipVsVideo = new JsonObject(); var openMs = new JsonObject();
            var script = Path.Combine(AppContext.BaseDirectory, "bench", "pyav_decode.py");
            var videos = BenchVideos.Ensure(ctx.Cancel);
            foreach (var video in videos)
            {
                var (firstOpen, againOpen) = DecodeBenchmark.OpenCost(video.Path, 5, ctx.Cancel);
                var (frames, fps) = DecodeBenchmark.FullDecode(video.Path, 3, ctx.Cancel);
                double clipsPerS = DecodeBenchmark.ClipSampling(video.Path, frames, nClips, seed, ctx.Cancel);
                var peer = JsonNode.Parse(ExternalProcess.Run("/usr/bin/python3",
                    [script, video.Path, "--clips", nClips.ToString(CultureInfo.InvariantCulture), "--seed", seed.ToString(CultureInfo.InvariantCulture),
                     "--clip-len", DecodeBenchmark.ClipLength.ToString(CultureInfo.InvariantCulture), "--rate", DecodeBenchmark.SamplingRate.ToString(CultureInfo.InvariantCulture)],
                    ctx.Cancel))!;
                double peerFps = peer["full_decode_fps"]!.GetValue<double>(), peerClips = peer["clip_sampling_clips_per_s"]!.GetValue<double>();
                full[video.Name] = Math.Round(fps, 1);
                clip[video.Name] = Math.Round(clipsPerS, 2);
                pyFull[video.Name] = Math.Round(peerFps, 1);
                pyClip[video.Name] = Math.Round(peerClips, 2);
                fullRatio[video.Name] = Math.Round(fps / peerFps, 2);
                clipRatio[video.Name] = Math.Round(clipsPerS / peerClips, 2);
                // How many clips fit in the time one full decode of the video takes (goal: at least 3).
                clipVsVideo[video.Name] = Math.Round(clipsPerS * frames / fps, 2);
                openMs[video.Name] = new JsonObject { ["first"] = Math.Round(firstOpen, 1), ["again"] = Math.Round(againOpen, 1) };
                if (!ctx.Parse.GetValue(json))
                {
                    Console.WriteLine($"{video.Name} ({frames} frames)");
                    Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "  full decode → RGB24   ours {0,9:F1} frames/s   PyAV {1,9:F1}   ratio {2:F2}", fps, peerFps, fps / peerFps));
                    Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "  16×4 random clips     ours {0,9:F2} clips/s    PyAV {1,9:F2}   ratio {2:F2}", clipsPerS, peerClips, clipsPerS / peerClips));
                    Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "  open                  first {0,7:F1} ms      again {1,7:F1} ms", firstOpen, againOpen));
                    Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "  clip vs whole video   {0:F2}× faster than decoding the whole video", clipsPerS * frames / fps));
                }
            }
            // The loader on the HMDB51-like file: the dataset shape it is built for.
            double loader1 = DecodeBenchmark.LoaderThroughput(videos[0].Path, 1, nLoader, seed, ctx.Cancel);
            double loader2 = DecodeBenchmark.LoaderThroughput(videos[0].Path, 2, nLoader, seed, ctx.Cancel);
            if (!ctx.Parse.GetValue(json))
            {
                Console.WriteLine($"loader, {videos[0].Name}, 16×4 train views at 224² normalised (RandAugment, crop, flip, erasing), batch 4");
                Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "  1 worker {0,7:F2} clips/s   2 workers {1,7:F2} clips/s   scaling {2:F2}×", loader1, loader2, loader2 / loader1));
            }
            if (ctx.Parse.GetValue(json))
            {
                var o = new JsonObject
                {
                    ["full_decode_fps"] = full,
                    ["clip_sampling_clips_per_s"] = clip,
                    ["pyav_full_decode_fps"] = pyFull,
                    ["pyav_clip_sampling_clips_per_s"] = pyClip,
                    ["full_decode_ratio_vs_pyav"] = fullRatio,
                    ["clip_sampling_ratio_vs_pyav"] = clipRatio,
                    ["clip_speedup_vs_full_video"] = clipVsVideo,
                    ["open_ms"] = openMs,
                    ["loader_clips_per_s"] = new JsonObject { ["workers_1"] = Math.Round(loader1, 2), ["workers_2"] = Math.Round(loader2, 2) },
                    ["loader_scaling_1_to_2"] = Math.Round(loader2 / loader1, 2),
                    ["loader_clips"] = nLoader,
                    ["clip_len"] = DecodeBenchmark.ClipLength,
                    ["sampling_rate"] = DecodeBenchmark.SamplingRate,
                    ["clips"] = nClips,
                    ["cores"] = Environment.ProcessorCount,
                };
                Console.WriteLine(o.ToJsonString());
            }
            return Task.FromResult(0);
        });
        return cmd;
    }
}
