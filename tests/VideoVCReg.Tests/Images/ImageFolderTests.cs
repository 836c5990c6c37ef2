using System.Globalization;
using System.Text.Json;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using VideoVCReg.Decoding.Images;
using VideoVCReg.Decoding.Loading;
using VideoVCReg.Decoding.Transforms;
using VideoVCReg.Runtime.IO;
using VideoVCReg.Tests.Support;
using static TorchSharp.torch;

namespace VideoVCReg.Tests.Images;

/// <summary>ImageFolder trees: the scan, views against torchvision's transforms on the same file, bad files skipped, the verbs on a tree.</summary>
public class ImageFolderTests
{
    static string Fixture => Path.Combine(AppContext.BaseDirectory, "fixtures", "image", "torchvision_views.py");
    static string TaFixture => Path.Combine(AppContext.BaseDirectory, "fixtures", "image", "torchvision_trivialaugment.py");

    // PIL and ImageSharp resample with the same kernels widened by the scale and round differently: measured
    // mean 0.06–0.07 and max 1–2 levels of 255. Stated tolerance: mean 0.25, any pixel 2 levels.
    const double TolMean = 0.25, TolMax = 2 + 1e-3;          // + float32 rounding of k/255

    /// <summary>A smooth colour pattern with texture, so resampling differences show.</summary>
    static void WriteImage(string path, int width, int height, int seed)
    {
        var rng = new Random(seed);
        using var image = new Image<Rgb24>(width, height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                image[x, y] = new Rgb24((byte)(128 + 100 * Math.Sin(x * 0.21 + seed)), (byte)(128 + 90 * Math.Cos(y * 0.17)),
                    (byte)Math.Clamp((x * 255 / width + rng.Next(-40, 41)), 0, 255));
        if (path.EndsWith(".png")) image.SaveAsPng(path); else image.SaveAsJpeg(path);
    }

    [Fact]
    public void Scan_sorts_classes_and_files_keeps_image_extensions_and_checks_val_classes()
    {
        var root = Directory.CreateTempSubdirectory("imagefolder-").FullName;
        try
        {
            foreach (var (cls, file) in new[] { ("zebra", "b.png"), ("zebra", "a.JPG"), ("ant", "c.png"), ("ant", "notes.txt") })
            {
                Directory.CreateDirectory(Path.Combine(root, "train", cls));
                File.WriteAllText(Path.Combine(root, "train", cls, file), "x");
            }
            var set = ImageFolder.Scan(Path.Combine(root, "train"));
            Assert.Equal(["ant", "zebra"], set.Classes);
            Assert.Equal([Path.Combine("ant", "c.png"), Path.Combine("zebra", "a.JPG"), Path.Combine("zebra", "b.png")], set.Files.Select(f => f.Id));
            Assert.Equal([0, 1, 1], set.Files.Select(f => f.Label));

            Directory.CreateDirectory(Path.Combine(root, "val", "yak"));
            var e = Assert.Throws<InvalidDataException>(() => ImageFolder.Scan(Path.Combine(root, "val"), set.Classes));
            Assert.Contains("class 'yak' is not among the training classes", e.Message);
            Assert.Throws<DirectoryNotFoundException>(() => ImageFolder.Scan(Path.Combine(root, "missing")));
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void Scan_refuses_a_folder_link_naming_it_and_reads_file_links_once()
    {
        var root = Directory.CreateTempSubdirectory("imagefolder-links-").FullName;
        try
        {
            var train = Path.Combine(root, "train");
            foreach (var cls in new[] { "ant", "bee" }) Directory.CreateDirectory(Path.Combine(train, cls));
            File.WriteAllText(Path.Combine(train, "ant", "a.png"), "x");
            File.WriteAllText(Path.Combine(root, "outside.png"), "x");
            // A file link, to a file inside the tree or out of it, is one image of the class that holds it.
            File.CreateSymbolicLink(Path.Combine(train, "bee", "copy.png"), Path.Combine(train, "ant", "a.png"));
            File.CreateSymbolicLink(Path.Combine(train, "bee", "far.png"), Path.Combine(root, "outside.png"));
            Assert.Equal([Path.Combine("ant", "a.png"), Path.Combine("bee", "copy.png"), Path.Combine("bee", "far.png")],
                ImageFolder.Scan(train).Files.Select(f => f.Id));

            // ln -s .. train/bee/zz_up: followed, it filed every image of the tree again under bee, level after level.
            var up = Path.Combine(train, "bee", "zz_up");
            Directory.CreateSymbolicLink(up, "..");
            var e = Assert.Throws<InvalidDataException>(() => ImageFolder.Scan(train));
            Assert.Equal($"{up}: a link to a folder (..) is not followed (one back up the tree files every image again under this class); replace it with the folder or remove it", e.Message);
            File.Delete(up);
            // A class folder that is a link out of the tree is refused the same way.
            Directory.CreateDirectory(Path.Combine(root, "elsewhere"));
            var linkedClass = Path.Combine(train, "cat");
            Directory.CreateSymbolicLink(linkedClass, Path.Combine(root, "elsewhere"));
            Assert.StartsWith($"{linkedClass}: a link to a folder ({Path.Combine(root, "elsewhere")}) is not followed",
                Assert.Throws<InvalidDataException>(() => ImageFolder.Scan(train)).Message);
        }
        finally { Directory.Delete(root, true); }
    }

    [Theory]
    [InlineData("bilinear", 0.875)]
    [InlineData("bicubic", 0.95)]
    public void Views_match_torchvisions_transforms_on_the_same_png(string interpolation, double cropRatio)
    {
        var dir = Directory.CreateTempSubdirectory("views-").FullName;
        try
        {
            var png = Path.Combine(dir, "image.png");
            WriteImage(png, 97, 61, seed: 2);
            const int size = 40, probe = 48;
            var spec = new ImageViewSpec(ImageViewKind.Eval, size, cropRatio, interpolation, [0, 0, 0], [1, 1, 1]);
            // The training view's draws, as ImageViews takes them: the window, then the flip.
            var rng = new Random(17);
            var (top, left, h, w) = new RandomResizedCrop(size, (0.08, 1), (3.0 / 4, 4.0 / 3)).Window(61, 97, rng);
            bool flip = rng.NextDouble() < 0.5;
            PythonScript.Run(Fixture, png, dir, $"{size}", cropRatio.ToString("R", CultureInfo.InvariantCulture), interpolation, $"{probe}",
                $"{top}", $"{left}", $"{h}", $"{w}", flip ? "1" : "0");
            var found = new List<(string Name, double Mean, double Max)>();
            foreach (var (name, view) in new[]
            {
                ("eval", ImageViews.Load(png, spec, new Random(0))),
                ("probe", ImageViews.Load(png, spec with { Kind = ImageViewKind.Probe, Size = probe }, new Random(0))),
                ("train", ImageViews.Load(png, spec with { Kind = ImageViewKind.Train }, new Random(17))),
            })
            {
                using var expected = NpyFile.ReadFloat32(Path.Combine(dir, $"{name}.npy"));
                Assert.Equal(expected.shape, view.shape);
                found.Add((name, (view - expected).abs().mean().ToDouble() * 255, (view - expected).abs().max().ToDouble() * 255));
            }
            Assert.True(found.All(f => f.Mean <= TolMean && f.Max <= TolMax),
                string.Join("; ", found.Select(f => $"{f.Name} ({interpolation}): mean |Δ| {f.Mean:F2}, max {f.Max:F1} levels of 255")));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void TrivialAugmentWide_has_torchvisions_op_space_and_its_ops_on_the_same_png()
    {
        var dir = Directory.CreateTempSubdirectory("ta-wide-").FullName;
        try
        {
            var png = Path.Combine(dir, "image.png");
            WriteImage(png, 45, 38, seed: 5);
            (string Op, double M)[] cases =
            [
                ("Identity", 0), ("Brightness", 0.33), ("Brightness", -0.66), ("Color", 0.5), ("Contrast", -0.4), ("Sharpness", 0.9),
                ("Posterize", 3), ("Solarize", 119), ("AutoContrast", 0), ("Equalize", 0), ("TranslateX", 7), ("TranslateY", -5),
            ];
            PythonScript.Run(TaFixture, [png, dir, .. cases.Select(c => $"{c.Op}:{c.M.ToString("R", CultureInfo.InvariantCulture)}")]);

            // The space: the same ops in the same order (the draw indexes it), signs and 31 magnitudes each.
            var space = File.ReadAllLines(Path.Combine(dir, "space.txt")).Select(l => l.Split(' ')).ToList();
            var ta = new TrivialAugmentWide();
            Assert.Equal(TrivialAugmentWide.Ops, space.Select(f => f[0]));
            foreach (var f in space)
            {
                var values = f.Skip(2).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToList();
                for (int bin = 0; bin < 31; bin++)
                {
                    var (m, signed) = ta.Magnitude(f[0], bin);
                    Assert.Equal(f[1] == "1", signed);
                    Assert.Equal(values.Count == 1 ? values[0] : values[bin], m, 4);
                }
            }

            // The ops on the file's own pixels, as torchvision's run on the PIL image.
            using var raw = SixLabors.ImageSharp.Image.Load<Rgb24>(png);
            var bytes = new byte[45 * 38 * 3];
            raw.CopyPixelDataTo(bytes);
            using var x = tensor(bytes, [38, 45, 3]).permute(2, 0, 1).to(ScalarType.Float32).div(255).unsqueeze(0);
            for (int i = 0; i < cases.Length; i++)
            {
                using var ours = TrivialAugmentWide.ApplyOp(x, cases[i].Op, cases[i].M).squeeze(0);
                using var theirs = NpyFile.ReadFloat32(Path.Combine(dir, $"{i}.npy"));
                double max = (ours - theirs).abs().max().ToDouble() * 255;
                Assert.True(max <= 1 + 1e-3, $"{cases[i].Op} {cases[i].M}: max |Δ| {max:F2} levels of 255");
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void AutoAugment_imagenet_has_torchvisions_policies_and_magnitudes()
    {
        var dir = Directory.CreateTempSubdirectory("autoaugment-").FullName;
        try
        {
            var png = Path.Combine(dir, "image.png");
            WriteImage(png, 45, 38, seed: 2);
            var lines = PythonScript.Run(Path.Combine(AppContext.BaseDirectory, "fixtures", "image", "torchvision_autoaugment.py"), "38", "45", png, dir)
                .Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var policies = lines.Where(l => !l.StartsWith("space ")).ToList();
            Assert.Equal(AutoAugmentImageNet.Policies.Length, policies.Count);
            for (int i = 0; i < policies.Count; i++)
            {
                var f = policies[i].Split(' ');
                for (int k = 0; k < 2; k++)
                {
                    var (op, p, bin) = AutoAugmentImageNet.Policies[i][k];
                    Assert.Equal(f[3 * k], op);
                    Assert.Equal(double.Parse(f[3 * k + 1], CultureInfo.InvariantCulture), p);
                    Assert.Equal(f[3 * k + 2] == "None" ? null : int.Parse(f[3 * k + 2]), bin);
                }
            }
            foreach (var f in lines.Where(l => l.StartsWith("space ")).Select(l => l.Split(' ')))
            {
                var values = f.Skip(3).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToList();
                for (int bin = 0; bin < 10; bin++)
                {
                    var (m, signed) = AutoAugmentImageNet.Magnitude(f[1], bin, height: 38, width: 45);
                    Assert.Equal(f[2] == "1", signed);
                    double reference = values.Count == 1 ? values[0] : values[bin];
                    Assert.True(Math.Abs(reference - m) <= 1e-6 * Math.Max(1, Math.Abs(reference)), $"{f[1]} bin {bin}: {m} vs torchvision's {reference} (float32)");
                }
            }
            // Invert, the one op the policy has beyond TrivialAugmentWide's: PIL's, level for level.
            using var raw = SixLabors.ImageSharp.Image.Load<Rgb24>(png);
            var bytes = new byte[45 * 38 * 3];
            raw.CopyPixelDataTo(bytes);
            using var x = tensor(bytes, [38, 45, 3]).permute(2, 0, 1).to(ScalarType.Float32).div(255).unsqueeze(0);
            using var ours = TrivialAugmentWide.ApplyOp(x, "Invert", 0).squeeze(0);
            using var theirs = NpyFile.ReadFloat32(Path.Combine(dir, "invert.npy"));
            Assert.True((ours - theirs).abs().max().ToDouble() < 1e-6);
            // Applied through a view: some op changes the image for some draw, and the same draw repeats.
            using var image = x.squeeze(0);
            bool changed = false;
            for (int seed = 0; seed < 20 && !changed; seed++)
            {
                using var a = AutoAugmentImageNet.Apply(image, new Random(seed));
                using var b = AutoAugmentImageNet.Apply(image, new Random(seed));
                Assert.True(a.eq(b).all().item<bool>());
                changed = !a.eq(image).all().item<bool>();
            }
            Assert.True(changed);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Eval_resize_size_is_torchvisions_val_resize_and_the_ra_sampler_repeats_each_image_in_a_row()
    {
        var dir = Directory.CreateTempSubdirectory("recipe-views-").FullName;
        try
        {
            var png = Path.Combine(dir, "image.png");
            WriteImage(png, 64, 48, seed: 4);
            // Resize(40) + CenterCrop(32) written as --val-resize-size equals the crop-ratio form already checked against torchvision.
            var byRatio = new ImageViewSpec(ImageViewKind.Eval, 32, 0.8, "bilinear", [0.5, 0.5, 0.5], [0.25, 0.25, 0.25]);
            using var a = ImageViews.Load(png, byRatio, new Random(0));
            using var b = ImageViews.Load(png, byRatio with { CropRatio = 1.0, ResizeSize = 40 }, new Random(0));
            using var c = ImageViews.Load(png, byRatio with { CropRatio = 1.0 }, new Random(0));
            Assert.True(a.eq(b).all().item<bool>());
            Assert.False(a.eq(c).all().item<bool>());

            // RASampler on one process: each shuffled image 3 times in a row, each repeat its own view (draws), ⌊600 / 256⌋ · 256 of them.
            Directory.CreateDirectory(Path.Combine(dir, "train", "a"));
            for (int i = 0; i < 600; i++) File.Copy(png, Path.Combine(dir, "train", "a", $"{i:D3}.png"));
            var set = ImageFolder.Scan(Path.Combine(dir, "train"));
            var spec = new ImageViewSpec(ImageViewKind.Train, 16, 1.0, "bilinear", [0.5, 0.5, 0.5], [0.25, 0.25, 0.25]);
            var loader = new ImageFolderLoader(set, spec, new LoaderOptions(BatchSize: 64, Workers: 1, Seed: 3, Repetitions: 3));
            var order = loader.Order(0);
            Assert.Equal(512, order.Count);
            Assert.Equal(8, loader.BatchesPerEpoch());
            for (int u = 0; u < order.Count; u++)
            {
                Assert.Equal(u % 3, order[u].View);
                Assert.Equal(order[u - u % 3].Item, order[u].Item);
            }
            Assert.Equal(171, order.Select(o => o.Item).Distinct().Count());
            var plain = new ImageFolderLoader(set, spec, new LoaderOptions(BatchSize: 64, Workers: 1, Seed: 3)).Order(0);
            Assert.Equal(plain.Select(o => o.Item).Take(171), order.Where(o => o.View == 0).Select(o => o.Item));   // the same shuffle, repeated
            Assert.Equal(600, plain.Count);
            // Fewer than 256 images: the epoch keeps them all, repeated.
            var small = new ImageFolderLoader(set.Subset(Enumerable.Range(0, 10)), spec, new LoaderOptions(BatchSize: 4, Workers: 1, Seed: 3, Repetitions: 2));
            Assert.Equal(10, small.Order(0).Count);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Training_views_apply_trivialaugment_after_the_crop_and_erasing_after_normalisation()
    {
        var dir = Directory.CreateTempSubdirectory("ta-view-").FullName;
        try
        {
            var png = Path.Combine(dir, "image.png");
            WriteImage(png, 80, 64, seed: 8);
            var plain = new ImageViewSpec(ImageViewKind.Train, 32, 1.0, "bilinear", [0, 0, 0], [1, 1, 1]);
            for (int seed = 0; seed < 6; seed++)
            {
                using var crop = ImageViews.Load(png, plain, new Random(seed));
                // The same draws in the same order: the window, the flip, then the op and its magnitude.
                var rng = new Random(seed);
                new RandomResizedCrop(32, (0.08, 1), (3.0 / 4, 4.0 / 3)).Window(64, 80, rng);
                rng.NextDouble();
                using var expected = new TrivialAugmentWide().Apply(crop, rng);
                using var augmented = ImageViews.Load(png, plain with { AutoAugment = "ta_wide" }, new Random(seed));
                Assert.True(augmented.allclose(expected, rtol: 0, atol: 1e-6), $"seed {seed}");
            }
            using var erased = ImageViews.Load(png, plain with { EraseProbability = 1 }, new Random(3));
            using var kept = ImageViews.Load(png, plain, new Random(3));
            long zeroed = erased.eq(0).all(0).sum().ToInt64(), before = kept.eq(0).all(0).sum().ToInt64();
            // torchvision's area share 2–33 % of 32², filled with 0 after normalisation.
            Assert.InRange(zeroed - before, (long)(0.02 * 1024) - 40, (long)(0.33 * 1024) + 40);
            Assert.True(erased.ne(kept).any().item<bool>());
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Loader_logs_skips_and_counts_bad_files_and_keeps_the_rest()
    {
        var root = Directory.CreateTempSubdirectory("imagefolder-bad-").FullName;
        try
        {
            for (int c = 0; c < 2; c++)
            {
                var dir = Directory.CreateDirectory(Path.Combine(root, $"class{c}")).FullName;
                for (int i = 0; i < 3; i++) WriteImage(Path.Combine(dir, $"{i}.png"), 40, 36, seed: c * 10 + i);
            }
            var good = Path.Combine(root, "class0", "3.jpg");
            WriteImage(good, 40, 36, seed: 9);
            var truncated = Path.Combine(root, "class0", "4.jpg");
            File.WriteAllBytes(truncated, File.ReadAllBytes(good)[..200]);
            var text = Path.Combine(root, "class1", "9.png");
            File.WriteAllText(text, "not an image");
            var set = ImageFolder.Scan(root);
            Assert.Equal(9, set.Count);
            var loader = new ImageFolderLoader(set, new ImageViewSpec(ImageViewKind.Eval, 32, 1.0, "bilinear", [0.5, 0.5, 0.5], [0.25, 0.25, 0.25]),
                new LoaderOptions(BatchSize: 4, Workers: 2));
            var ids = new List<string>();
            foreach (var batch in loader.Epoch(0)) using (batch) { Assert.Equal([batch.Count, 3L, 32, 32], batch.Inputs.shape); ids.AddRange(batch.SampleIds); }
            Assert.Equal(7, ids.Count);
            Assert.Equal([truncated, text], loader.Skipped.Keys.Order());
            Assert.Equal(2, loader.SkippedViews);
            Assert.StartsWith("2 image(s) skipped (2 views)", loader.Summary());
        }
        finally { Directory.Delete(root, true); }
    }

    /// <summary>
    /// Files from real encoders (ffmpeg's mjpeg, its PNG writer with 4 KiB IDAT chunks, BMP, PPM, WebP) cut in half. ImageSharp
    /// decodes every half without a word, the rest black; PIL says "image file is truncated", and so must the loader.
    /// </summary>
    [Fact]
    public void Half_an_image_file_is_skipped_as_truncated_not_trained_on_filled()
    {
        var dir = Directory.CreateTempSubdirectory("imagefolder-half-").FullName;
        try
        {
            var source = Path.Combine(dir, "source.png");
            WriteImage(source, 96, 72, seed: 5);
            var spec = new ImageViewSpec(ImageViewKind.Eval, 32, 1.0, "bilinear", [0.5, 0.5, 0.5], [0.25, 0.25, 0.25]);
            foreach (var (ext, format) in new[] { ("jpg", "JPEG"), ("png", "PNG"), ("bmp", "BMP"), ("ppm", "PPM"), ("webp", "WebP") })
            {
                var whole = Path.Combine(dir, $"whole.{ext}");
                FfmpegCli.Run("-i", source, "-frames:v", "1", whole);
                using (ImageViews.Load(whole, spec, new Random(0))) { }
                var bytes = File.ReadAllBytes(whole);
                var half = Path.Combine(dir, $"half.{ext}");
                File.WriteAllBytes(half, bytes[..(bytes.Length / 2)]);
                using (var filled = SixLabors.ImageSharp.Image.Load<Rgb24>(half)) Assert.Equal(96, filled.Width);    // the decoder alone accepts it
                var e = Assert.Throws<InvalidDataException>(() => ImageViews.Load(half, spec, new Random(0)));
                Assert.StartsWith($"truncated {format}: {bytes.Length / 2} ", e.Message);
                // Bytes after the end (a camera's padding) are not a cut.
                Assert.Null(ImageCompleteness.Problem([.. bytes, .. new byte[100]]));
            }
            Assert.Equal($"truncated JPEG: {File.ReadAllBytes(Path.Combine(dir, "half.jpg")).Length} bytes end before the end-of-image marker",
                ImageCompleteness.Problem(File.ReadAllBytes(Path.Combine(dir, "half.jpg"))));
            Assert.Contains("bytes end before the IEND chunk", ImageCompleteness.Problem(File.ReadAllBytes(Path.Combine(dir, "half.png"))));

            // In a tree, the half file is logged, skipped and counted; its class keeps the whole one.
            var cls = Directory.CreateDirectory(Path.Combine(dir, "tree", "a")).FullName;
            File.Copy(Path.Combine(dir, "whole.jpg"), Path.Combine(cls, "0.jpg"));
            File.Copy(Path.Combine(dir, "half.jpg"), Path.Combine(cls, "1.jpg"));
            var loader = new ImageFolderLoader(ImageFolder.Scan(Path.Combine(dir, "tree")), spec, new LoaderOptions(BatchSize: 2, Workers: 1));
            Assert.Equal(1, loader.Epoch(0).Sum(b => { using (b) return b.Count; }));
            Assert.Equal([Path.Combine(cls, "1.jpg")], loader.Skipped.Keys);
            Assert.Equal($"truncated JPEG: {new FileInfo(Path.Combine(cls, "1.jpg")).Length} bytes end before the end-of-image marker", loader.Skipped[Path.Combine(cls, "1.jpg")]);
            Assert.StartsWith("1 image(s) skipped (1 views)", loader.Summary());
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Pretrain_and_probe_run_on_an_image_folder_tree()
    {
        var work = Directory.CreateTempSubdirectory("imagefolder-cli-").FullName;
        try
        {
            var data = Path.Combine(work, "data");
            var synth = CliProcess.Run("data", "synth-images", "--out", data, "--train-per-class", "8", "--test-per-class", "3", "--folders");
            Assert.True(synth.ExitCode == 0, synth.Stderr);
            var tree = Path.Combine(data, "downstream-folder");
            Assert.Equal(8 * 8, Directory.GetFiles(Path.Combine(tree, "train"), "*.png", SearchOption.AllDirectories).Length);
            var outDir = Path.Combine(work, "pretrain");
            var r = CliProcess.Run("pretrain", "--arch", "resnet32", "--data", tree, "--imbalance", "2", "--epochs", "1", "--warmup-epochs", "0",
                "--batch-size", "8", "--lr", "0.1", "--layer-decay", "1", "--mixup", "0", "--cutmix", "0", "--num-sample", "1", "--threads", "1", "--out", outDir,
                "--auto-augment", "ta_wide", "--random-erase", "0.25");
            Assert.True(r.ExitCode == 0, r.Stderr);
            using var counts = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "class_counts.json")));
            Assert.Equal(LongTail.Counts(8, 8, 2), counts.RootElement.EnumerateArray().Select(c => c.GetProperty("train").GetInt32()));
            var recipe = SettingsFile.Spec(outDir).GetProperty("data");
            Assert.Equal("ta_wide", recipe.GetProperty("auto_augment").GetString());
            Assert.Equal(0.25, recipe.GetProperty("random_erase").GetDouble());
            using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "split1", "results.json")));
            Assert.Equal(24, results.RootElement.GetProperty("test").GetProperty("videos").GetInt32());

            var probe = CliProcess.Run("probe", "--arch", "resnet32", "--weights", Path.Combine(outDir, "split1", "checkpoint-last.pth"), "--data", tree,
                "--lambdas", "5", "--json", "--threads", "1", "--out", Path.Combine(work, "probe"));
            Assert.True(probe.ExitCode == 0, probe.Stderr);
            using var json = JsonDocument.Parse(probe.Stdout.Trim());
            Assert.Equal(64, json.RootElement.GetProperty("train_samples").GetInt32());
            Assert.Equal(24, json.RootElement.GetProperty("test_samples").GetInt32());

            var missing = CliProcess.Run("pretrain", "--arch", "resnet32", "--data", Path.Combine(work, "nowhere"), "--out", Path.Combine(work, "x"));
            Assert.Equal(1, missing.ExitCode);
            Assert.Contains("image folder not found", missing.Stderr);
            var policy = CliProcess.Run("pretrain", "--arch", "resnet32", "--data", tree, "--auto-augment", "ra", "--out", Path.Combine(work, "y"));
            Assert.Equal(1, policy.ExitCode);
            Assert.Contains("--auto-augment) must be none, ta_wide, imagenet (got 'ra')", policy.Stderr);
            var crop = CliProcess.Run("pretrain", "--arch", "resnet32", "--data", tree, "--ra-reps", "0", "--train-crop-size", "5", "--out", Path.Combine(work, "z"));
            Assert.Equal(1, crop.ExitCode);
            Assert.Contains("--train-crop-size) must be in [16, 4096] (got 5)", crop.Stderr);
            Assert.Contains("--ra-reps) must be in [1, 16] (got 0)", crop.Stderr);
        }
        finally { Directory.Delete(work, true); }
    }
}
