namespace VideoVCReg.Cli.Bench;

/// <summary>
/// The benchmark files, encoded once with the ffmpeg CLI and cached in the temp folder:
/// an HMDB51-like 320×240 MPEG-4 Part 2 AVI, the same as XviD with B-frames, and a 1080p H.264 MP4, 10 s at 30 fps each.
/// </summary>
public sealed record BenchVideo(string Name, string Path);

static class BenchVideos
{
    public static IReadOnlyList<BenchVideo> Ensure(CancellationToken cancel)
    {
        var dir = Directory.CreateDirectory(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "videovcreg-bench")).FullName;
        return
        [
            // ffmpeg's MPEG-4 encoder keeps a 12-frame GOP, close to the XviD/DivX files of HMDB51.
            Make(dir, "hmdb51_like_320x240.avi", "320x240", ["-c:v", "mpeg4", "-q:v", "5"], cancel),
            // XviD with two B-frames: AVI stores no presentation times, so the reader learns the order once per file.
            Make(dir, "xvid_bframes_320x240.avi", "320x240", ["-c:v", "mpeg4", "-vtag", "XVID", "-bf", "2", "-q:v", "5"], cancel),
            // A keyframe every second, like camera and streaming encodes; x264 defaults to one every 250 frames.
            Make(dir, "h264_1080p.mp4", "1920x1080", ["-c:v", "libx264", "-preset", "veryfast", "-g", "30", "-pix_fmt", "yuv420p"], cancel),
        ];
    }

    static BenchVideo Make(string dir, string name, string size, string[] codec, CancellationToken cancel)
    {
        var path = System.IO.Path.Combine(dir, name);
        if (!File.Exists(path))
        {
            var partial = path + ".part" + System.IO.Path.GetExtension(name);
            // A moving test pattern (what the platform notes measured PyAV on).
            ExternalProcess.Run("ffmpeg", ["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", $"testsrc2=size={size}:rate=30:duration=10",
.. codec, partial], cancel);
            File.Move(partial, path, overwrite: true);
        }
        return new BenchVideo(System.IO.Path.GetFileNameWithoutExtension(name), path);
    }
}
