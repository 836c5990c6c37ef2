using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TorchSharp;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Decoding;
using VideoVCReg.Decoding.Datasets;
using VideoVCReg.Decoding.Loading;
using VideoVCReg.Decoding.Transforms;
using VideoVCReg.Models;
using VideoVCReg.Models.Checkpoints;
using VideoVCReg.Runtime.IO;
using static TorchSharp.torch;

namespace VideoVCReg.Cli.Commands;

/// <summary>
/// `videovcreg predict`: one clip through a preset (with optional weights) to logits. A `--video` goes through
/// the single-view test transform first (centre clip, short side = model size, centre crop, the preset's
/// normalisation), then the same path as a `--clip`.
/// </summary>
public static class PredictCommand
{
    public static Command Build()
    {
        var model = new Option<string>("--model") { Description = "Preset name (see 'videovcreg models')", Required = true };
        var weights = new Option<string?>("--weights") { Description = "Checkpoint: .pth/.pt/.bin or .safetensors, any supported layout" };
        var clip = new Option<string?>("--clip") { Description = "NumPy .npy, float32, [C, T, H, W], already normalised" };
        var video = new Option<string?>("--video") { Description = "A video file: the centre clip, centre-cropped and normalised as the preset expects" };
        var rate = new Option<int>("--sampling-rate") { Description = "With --video: take every N-th frame", DefaultValueFactory = _ => 4 };
        var names = new Option<string?>("--classes") { Description = "Class names: a text file (one per line, in label order) or a dataset (hmdb51:DIR or a bare DIR, ucf101:DIR, kinetics:DIR, list:DIR)" };
        var classes = new Option<int?>("--num-classes") { Description = "Classes of the head; a different count re-initialises it" };
        var frames = new Option<int?>("--frames") { Description = "Frames per clip, if not the preset's" };
        var size = new Option<int?>("--size") { Description = "Square input size, if not the preset's" };
        var presets = new Option<string?>("--presets") { Description = "Extra presets JSON, same form as configs/models.json, layered over it" };
        var json = new Option<bool>("--json") { Description = "Print exactly one JSON object with a logits array" };
        var noRotate = new Option<bool>("--no-autorotate") { Description = "With --video: do not turn the picture upright by the stream's display rotation" };
        var cmd = new Command("predict", "Run one clip or video through a model and print its logits / top-5 classes")
            { model, weights, clip, video, rate, names, classes, frames, size, presets, json, noRotate };
        Verb.SetAction(cmd, ctx =>
        {
            var p = ctx.Parse;
            string? clipPath = p.GetValue(clip), videoPath = p.GetValue(video);
            if ((clipPath is null) == (videoPath is null)) throw new ArgumentException("predict needs exactly one of --clip CLIP.npy or --video FILE");
            if (p.GetValue(classes) is < 1) throw new ArgumentException($"--num-classes must be ≥ 1 (got {p.GetValue(classes)})");
            var classNames = p.GetValue(names) is { } n ? ReadClassNames(n) : null;
            var log = ctx.Services.GetRequiredService<ILoggerFactory>().CreateLogger("predict");
            var preset = ModelPresets.Get(p.GetValue(model)!, p.GetValue(presets));
            var loaded = PretrainedLoader.Load(preset, p.GetValue(weights), new LoadOptions(p.GetValue(classes), p.GetValue(frames), p.GetValue(size)));
            foreach (var w in loaded.Warnings) log.LogWarning("{Warning}", w);
            using var net = loaded.Model;
            // A head-less model (a pretraining checkpoint) would print its features as if they were class scores.
            if (net.Config.NumClasses < 1)
                throw new ArgumentException($"{p.GetValue(weights) ?? p.GetValue(model)}: the model has no classification head; give --num-classes N to add a fresh one");
            // Names for another label set would print confident, wrong class names: the counts must agree.
            if (classNames != null && classNames.Count != net.Config.NumClasses)
                throw new InvalidDataException($"{p.GetValue(names)}: {classNames.Count} class names, but the model's head has {net.Config.NumClasses} classes (give the names of its own label set)");
            net.to(ctx.Device).eval();
            using var scope = NewDisposeScope();
            var c = net.Config;
            var source = clipPath ?? videoPath!;
            var x = clipPath != null ? NpyFile.ReadFloat32(clipPath) : TestView(videoPath!, c, p.GetValue(rate), (int)ctx.Runtime.Seed, !p.GetValue(noRotate));
            if (x.dim() != 4 || x.shape[0] != c.InChans || x.shape[1] != c.Frames || x.shape[2] != c.ImageSize || x.shape[3] != c.ImageSize)
                throw new InvalidDataException(
                    $"{source}: clip shape [{string.Join(", ", x.shape)}], model {c.Name} expects [{c.InChans}, {c.Frames}, {c.ImageSize}, {c.ImageSize}] (see --frames/--size)");
            float[] logits;
            using (no_grad()) logits = net.call(x.unsqueeze(0).to(ctx.Device)).squeeze(0).cpu().data<float>().ToArray();
            var probs = softmax(tensor(logits), 0).data<float>().ToArray();
            var top = Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).Take(5).ToArray();
            string? Name(int i) => classNames != null && i < classNames.Count ? classNames[i] : null;
            if (p.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    model = c.Name, layout = loaded.Layout?.ToString(), num_classes = logits.Length, logits,
                    top5 = top.Select(i => new { index = i, name = Name(i), logit = logits[i], p = probs[i] }),
                }));
                return Task.FromResult(0);
            }
            Console.WriteLine($"model {c.Name}, {logits.Length} classes{(loaded.Layout is { } l ? $", weights {l}" : ", random weights")}");
            foreach (var i in top)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  class {i,4}  logit {logits[i],9:F4}  p {probs[i]:F4}{(Name(i) is { } name ? "  " + name : "")}"));
            return Task.FromResult(0);
        });
        return cmd;
    }

    /// <summary>The single-view test transform, through the loader's own pipeline so training, evaluation and predict agree.</summary>
    static Tensor TestView(string path, ModelConfig c, int samplingRate, int seed, bool autoRotate)
    {
        if (samplingRate < 1) throw new ArgumentException("--sampling-rate must be at least 1");
        var pipeline = new ViewPipeline(new ViewOptions
        {
            ClipLength = c.Frames, SamplingRate = samplingRate, CropSize = c.ImageSize,
            Normalization = Normalization.Named(c.Normalization), TestClips = 1, TestCrops = 1, AutoRotate = autoRotate,
        }, ViewMode.Test);
        using var reader = VideoReader.Open(path, pipeline.ReaderOptions);
        var rng = new Random(seed);
        using var decoded = reader.ReadClip(pipeline.Frames(reader.Info.Frames, 0, rng));
        return pipeline.Finish(decoded, new MediaItem(path, -1, Path.GetFileName(path)), 0, rng, seed);
    }

    /// <summary>
    /// A text file of names, one per line; otherwise a dataset spec (<see cref="DatasetSpec"/>, a bare DIR being HMDB51),
    /// whose classes are named in the label order training gives them (split 1's listing).
    /// </summary>
    internal static IReadOnlyList<string> ReadClassNames(string source)
    {
        if (File.Exists(source))
        {
            // A FIFO would block the read, a device would read forever: named before anything opens them.
            if (Files.InputFile.Problem(source, "class-names") is string bad) throw new InvalidDataException(bad);
            return [.. File.ReadAllLines(source).Select(l => l.Trim()).Where(l => l.Length > 0)];
        }
        var spec = DatasetSpec.Parse(source, option: "--classes");
        if (!Directory.Exists(spec.Dir))
            throw new FileNotFoundException($"{source}: no such class-names file or dataset folder ({DatasetSpec.Accepted})", source);
        return SplitListing.Read(spec, 1).Classes;
    }
}
