using System.CommandLine;
using VideoVCReg.Cli.Hosting;
using VideoVCReg.Models.Checkpoints;

namespace VideoVCReg.Cli.Commands;

/// <summary>`videovcreg inspect FILE`: detected layout (any the loaders read, video or image), key count, and every key's shape.</summary>
public static class InspectCommand
{
    public static Command Build()
    {
        var file = new Argument<string>("FILE") { Description = "Checkpoint: .pth/.pt/.bin (torch.save) or .safetensors" };
        var cmd = new Command("inspect", "Show a checkpoint's detected layout, key count and tensor shapes") { file };
        Verb.SetAction(cmd, ctx =>
        {
            var path = ctx.Parse.GetValue(file)!;
            var raw = CheckpointFile.Read(path);
            try
            {
                var layout = Layout(raw, path);
                long total = raw.Values.Sum(t => t.numel());
                Console.WriteLine($"file    {path}");
                Console.WriteLine($"layout  {layout}");
                Console.WriteLine($"keys    {raw.Count}");
                Console.WriteLine($"values  {total:N0}");
                foreach (var (k, t) in raw) Console.WriteLine($"  {k}  [{string.Join(", ", t.shape)}] {t.dtype}");
            }
            finally { foreach (var t in raw.Values) t.Dispose(); }
            return Task.FromResult(0);
        });
        return cmd;
    }

    /// <summary>Every layout a loader of the toolkit reads: the video layouts (<see cref="CheckpointLayouts"/>), then the image ones.</summary>
    static string Layout(IReadOnlyDictionary<string, TorchSharp.torch.Tensor> raw, string path)
    {
        try { return CheckpointLayouts.Detect(raw, path).ToString(); }
        catch (InvalidDataException) { }
        // The toolkit's own image checkpoints (pretrain, finetune of an --arch) were once refused here as "not a VideoMAE … checkpoint".
        if (VideoVCReg.Models.Image.ImageCheckpoint.Identify(raw) is { } image) return image.ToString();
        throw new InvalidDataException(
            $"{path}: no layout the loaders read fits its {raw.Count} keys (such as {string.Join(", ", raw.Keys.Take(4))}); they read VideoMAE (patch_embed., blocks.N.), " +
            $"VideoMAE pretraining (encoder., encoder_to_decoder.), Hugging Face VideoMAE (videomae.) and ViViT (vivit.), torchvision image models " +
            $"({string.Join(", ", VideoVCReg.Models.Image.ImagePresets.Architectures)}) and self-supervised pretraining of one (backbone. + projector.)");
    }
}
