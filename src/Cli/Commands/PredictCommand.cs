using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TorchSharp;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Models;
using VideoVCReg.Models.Checkpoints;
using VideoVCReg.Models.IO;
using static TorchSharp.torch;

namespace VideoVCReg.Cli.Commands;

/// <summary>`videovcreg predict`: one clip through a preset (with optional weights) to logits.</summary>
public static class PredictCommand
{
    public static Command Build()
    {
        var model = new Option<string>("--model") { Description = "Preset name (see 'videovcreg models')", Required = true };
        var weights = new Option<string?>("--weights") { Description = "Checkpoint: .pth/.pt/.bin or .safetensors, any supported layout" };
        var clip = new Option<string?>("--clip") { Description = "NumPy .npy, float32, [C, T, H, W], already normalised" };
        var video = new Option<string?>("--video") { Description = "A video file (needs the Decoding reader; not available yet)" };
        var classes = new Option<int?>("--num-classes") { Description = "Classes of the head; a different count re-initialises it" };
        var frames = new Option<int?>("--frames") { Description = "Frames per clip, if not the preset's" };
        var size = new Option<int?>("--size") { Description = "Square input size, if not the preset's" };
        var presets = new Option<string?>("--presets") { Description = "Extra presets JSON, same form as configs/models.json, layered over it" };
        var json = new Option<bool>("--json") { Description = "Print exactly one JSON object with a logits array" };
        var cmd = new Command("predict", "Run one clip through a model and print its logits / top-5 classes")
            { model, weights, clip, video, classes, frames, size, presets, json };
        Verb.SetAction(cmd, ctx =>
        {
            var p = ctx.Parse;
            if (p.GetValue(video) is { } v)
                throw new NotSupportedException($"--video {v}: video decoding is not available in this build yet; pass a clip with --clip CLIP.npy");
            var clipPath = p.GetValue(clip) ?? throw new ArgumentException("predict needs --clip CLIP.npy");
            var log = ctx.Services.GetRequiredService<ILoggerFactory>().CreateLogger("predict");
            var preset = ModelPresets.Get(p.GetValue(model)!, p.GetValue(presets));
            var loaded = PretrainedLoader.Load(preset, p.GetValue(weights), new LoadOptions(p.GetValue(classes), p.GetValue(frames), p.GetValue(size)));
            foreach (var w in loaded.Warnings) log.LogWarning("{Warning}", w);
            using var net = loaded.Model;
            net.to(ctx.Device).eval();
            using var scope = NewDisposeScope();
            var x = NpyFile.ReadFloat32(clipPath);
            var c = net.Config;
            if (x.dim() != 4 || x.shape[0] != c.InChans || x.shape[1] != c.Frames || x.shape[2] != c.ImageSize || x.shape[3] != c.ImageSize)
                throw new InvalidDataException(
                    $"{clipPath}: clip shape [{string.Join(", ", x.shape)}], model {c.Name} expects [{c.InChans}, {c.Frames}, {c.ImageSize}, {c.ImageSize}] (see --frames/--size)");
            float[] logits;
            using (no_grad()) logits = net.call(x.unsqueeze(0).to(ctx.Device)).squeeze(0).cpu().data<float>().ToArray();
            if (p.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    model = c.Name, layout = loaded.Layout?.ToString(), num_classes = logits.Length, logits,
                }));
                return Task.FromResult(0);
            }
            var probs = softmax(tensor(logits), 0).data<float>().ToArray();
            Console.WriteLine($"model {c.Name}, {logits.Length} classes{(loaded.Layout is { } l ? $", weights {l}" : ", random weights")}");
            foreach (var i in Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).Take(5))
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  class {i,4}  logit {logits[i],9:F4}  p {probs[i]:F4}"));
            return Task.FromResult(0);
        });
        return cmd;
    }
}
