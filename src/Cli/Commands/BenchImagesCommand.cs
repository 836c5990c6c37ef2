using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using VideoVCReg.Cli.Bench;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Decoding.Images;
using VideoVCReg.Decoding.Loading;

namespace VideoVCReg.Cli.Commands;

/// <summary>
/// `videovcreg bench images`: images/s through the whole ImageFolder training pipeline (JPEG decode, RandomResizedCrop
/// to 224, flip, normalise, batches from background workers) against torchvision's ImageFolder and DataLoader
/// (bench/torchvision_images.py, Debian's /usr/bin/python3) with the same worker count, on the same generated files.
/// </summary>
public static class BenchImagesCommand
{
    public static Command Build()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a summary" };
        var images = new Option<int>("--images") { Description = "JPEG files generated (4 classes)", DefaultValueFactory = _ => 256 };
        var workers = new Option<int>("--workers") { Description = "Loader workers on both sides", DefaultValueFactory = _ => 2 };
        var batch = new Option<int>("--batch") { Description = "Batch size", DefaultValueFactory = _ => 32 };
        var epochs = new Option<int>("--epochs") { Description = "Timed epochs, after the untimed warm-up", DefaultValueFactory = _ => 2 };
        var warmup = new Option<int>("--warmup-images") { Description = "Images loaded untimed first, in whole epochs, on both sides", DefaultValueFactory = _ => 1024 };
        var cmd = new Command("images", "ImageFolder training pipeline images/s vs torchvision's ImageFolder + DataLoader in the same run") { json, images, workers, batch, epochs, warmup };
        Verb.SetAction(cmd, ctx =>
        {
            var p = ctx.Parse;
            int n = p.GetValue(images), w = p.GetValue(workers), b = p.GetValue(batch), e = p.GetValue(epochs), warm = p.GetValue(warmup);
            if (n < 4 || w < 1 || b < 1 || e < 1 || warm < 0)
                throw new ArgumentException($"need --images ≥ 4, --workers, --batch and --epochs ≥ 1, --warmup-images ≥ 0 (got {n}, {w}, {b}, {e}, {warm})");
            // The steady state of a long run: .NET compiles the decoder's and resampler's hot methods optimised only after
            // they have run a while (tiered compilation), which the first ~1,000 images of a run pay (about half the speed).
            int warmEpochs = Math.Max(1, (warm + n - 1) / n);
            var dir = Directory.CreateTempSubdirectory("bench-images-").FullName;
            try
            {
                Generate(dir, n);
                var set = ImageFolder.Scan(dir);
                var spec = new ImageViewSpec(ImageViewKind.Train, 224, 0.875, "bilinear", [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]);
                var loader = new ImageFolderLoader(set, spec, new LoaderOptions(b, w, Seed: 0));
                int Drain(int epoch)
                {
                    int count = 0;
                    foreach (var batchOut in loader.Epoch(epoch, ctx.Cancel)) using (batchOut) count += batchOut.Count;
                    return count;
                }
                for (int epoch = 0; epoch < warmEpochs; epoch++) Drain(epoch);
                var watch = Stopwatch.StartNew();
                int seen = 0;
                for (int epoch = warmEpochs; epoch < warmEpochs + e; epoch++) seen += Drain(epoch);
                double ours = seen / watch.Elapsed.TotalSeconds;
                var script = Path.Combine(AppContext.BaseDirectory, "bench", "torchvision_images.py");
                using var doc = JsonDocument.Parse(ExternalProcess.Run("/usr/bin/python3", [script, dir, $"{w}", $"{b}", $"{e}", $"{warmEpochs}"], ctx.Cancel));
                double theirs = doc.RootElement.GetProperty("images_per_s").GetDouble();
                int theirsSeen = doc.RootElement.GetProperty("images").GetInt32();
                var result = new Dictionary<string, object?>
                {
                    ["images"] = n, ["workers"] = w, ["batch"] = b, ["epochs"] = e, ["warmup_epochs"] = warmEpochs, ["image_size"] = "500x375 JPEG",
                    ["timed_images"] = seen, ["torchvision_timed_images"] = theirsSeen, ["ours_images_per_s"] = ours, ["torchvision_images_per_s"] = theirs, ["ratio"] = ours / theirs,
                };
                if (p.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(result));
                else Console.WriteLine(FormattableString.Invariant(
                    $"ImageFolder train pipeline (500x375 JPEG → RandomResizedCrop 224, flip, normalise; {w} workers, batch {b}, after {warmEpochs} warm-up epoch(s)): ours {ours:F1} images/s, torchvision {theirs:F1} images/s, ratio {ours / theirs:F2}"));
                return Task.FromResult(0);
            }
            finally { Directory.Delete(dir, true); }
        });
        return cmd;
    }

    /// <summary>ImageNet-like files: 500 × 375 JPEGs (quality 90) with texture, in 4 class folders.</summary>
    static void Generate(string dir, int count)
    {
        var rng = new Random(3);
        for (int i = 0; i < count; i++)
        {
            var cls = Directory.CreateDirectory(Path.Combine(dir, $"class{i % 4}")).FullName;
            using var image = new Image<Rgb24>(500, 375);
            double fx = 0.01 + rng.NextDouble() * 0.1, fy = 0.01 + rng.NextDouble() * 0.1;
            image.ProcessPixelRows(rows =>
            {
                for (int y = 0; y < rows.Height; y++)
                {
                    var row = rows.GetRowSpan(y);
                    for (int x = 0; x < row.Length; x++)
                        row[x] = new Rgb24((byte)(128 + 120 * Math.Sin(x * fx)), (byte)(128 + 120 * Math.Cos(y * fy)), (byte)((x ^ y) & 0xff));
                }
            });
            image.SaveAsJpeg(Path.Combine(cls, $"{i:0000}.jpg"), new SixLabors.ImageSharp.Formats.Jpeg.JpegEncoder { Quality = 90 });
        }
    }
}
