using VideoVCReg.Decoding;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Decoding;

public class SyntheticDatasetTests
{
    [Fact]
    public void Data_synth_writes_decodable_videos_and_well_formed_split_files_reproducibly()
    {
        var root = Directory.CreateTempSubdirectory("videovcreg-synth-").FullName;
        try
        {
            string a = Path.Combine(root, "a"), b = Path.Combine(root, "b");
            foreach (var dir in new[] { a, b })
            {
                var r = CliProcess.Run("data", "synth", "--out", dir, "--classes", "2", "--videos-per-class", "6", "--seed", "5");
                Assert.True(r.ExitCode == 0, r.Stderr);
            }
            var classes = Directory.GetDirectories(Path.Combine(a, "videos")).Select(Path.GetFileName).Order().ToArray();
            Assert.Equal(2, classes.Length);
            foreach (var cls in classes)
            {
                var videos = Directory.GetFiles(Path.Combine(a, "videos", cls!)).Select(Path.GetFileName).Order().ToArray();
                Assert.Equal(6, videos.Length);
                Assert.Equal(5, videos.Count(v => v!.EndsWith(".avi")));
                Assert.Equal(1, videos.Count(v => v!.EndsWith(".mp4")));
                foreach (var v in videos)
                {
                    var path = Path.Combine(a, "videos", cls!, v!);
                    using var reader = VideoReader.Open(path);
                    Assert.Equal(reader.Info.Codec, v!.EndsWith(".mp4") ? "h264" : "mpeg4");
                    Assert.InRange(reader.Info.Frames, 40, 80);
                    Assert.Equal(FfmpegCli.CountDecodedFrames(path), reader.Info.Frames);
                    var rgb = new byte[reader.FrameBytes];
                    reader.ReadFrame(reader.Info.Frames - 1, rgb);
                }
                for (int k = 1; k <= 3; k++)
                {
                    var split = Path.Combine(a, "splits", $"{cls}_test_split{k}.txt");
                    var lines = File.ReadAllLines(split).Select(l => l.Split(' ')).ToArray();
                    Assert.All(lines, l => Assert.Equal(2, l.Length));
                    Assert.Equal(videos, lines.Select(l => l[0]).Order().ToArray());
                    Assert.All(lines, l => Assert.Contains(l[1], new[] { "1", "2" }));
                    Assert.Equal(4, lines.Count(l => l[1] == "1")); // 70 % of 6, rounded
                    Assert.Equal(File.ReadAllText(split), File.ReadAllText(Path.Combine(b, "splits", $"{cls}_test_split{k}.txt")));
                }
                // Same seed, same pixels.
                var first = Path.Combine("videos", cls!, videos[0]!);
                using var ra = VideoReader.Open(Path.Combine(a, first));
                using var rb = VideoReader.Open(Path.Combine(b, first));
                var fa = new byte[ra.FrameBytes]; var fb = new byte[rb.FrameBytes];
                ra.ReadFrame(10, fa); rb.ReadFrame(10, fb);
                Assert.Equal(fa, fb);
            }
        }
        finally { Directory.Delete(root, true); }
    }

    /// <summary>
    /// The encoders' output follows their thread count, which the ffmpeg CLI sets from the cores the process may use: bound
    /// to one core (as mpirun binds each rank), the same seed once gave other videos, so data-parallel runs that write their
    /// own data trained on other clips than one process did. Every file must be the same bytes either way.
    /// </summary>
    [Fact]
    public void The_dataset_is_the_same_bytes_whatever_cores_the_writing_process_may_use()
    {
        var work = Directory.CreateTempSubdirectory("synth-cores-").FullName;
        try
        {
            string[] Args(string dir) => ["--threads", "1", "data", "synth", "--out", dir, "--classes", "2", "--videos-per-class", "3"];
            var free = CliProcess.Run(Args(Path.Combine(work, "free")));
            Assert.True(free.ExitCode == 0, free.Stderr);
            var psi = new System.Diagnostics.ProcessStartInfo("taskset") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            string[] bound = ["-c", "0", "dotnet", Path.Combine(AppContext.BaseDirectory, "videovcreg.dll"), .. Args(Path.Combine(work, "bound"))];
            foreach (var word in bound) psi.ArgumentList.Add(word);
            using (var p = System.Diagnostics.Process.Start(psi)!)
            {
                p.OutputDataReceived += (_, _) => { };
                p.BeginOutputReadLine();
                var err = p.StandardError.ReadToEnd();
                p.WaitForExit();
                Assert.True(p.ExitCode == 0, err);
            }
            static Dictionary<string, string> Hashes(string dir) => Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
                .ToDictionary(f => Path.GetRelativePath(dir, f), f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))));
            var (a, b) = (Hashes(Path.Combine(work, "free")), Hashes(Path.Combine(work, "bound")));
            Assert.Equal(6, a.Keys.Count(k => k.StartsWith("videos")));
            Assert.Equal(a.OrderBy(kv => kv.Key), b.OrderBy(kv => kv.Key));
        }
        finally { Directory.Delete(work, true); }
    }
}
