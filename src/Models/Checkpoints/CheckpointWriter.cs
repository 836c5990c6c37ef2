using System.Collections;
using TorchSharp;
using static TorchSharp.torch;

namespace VideoVCReg.Models.Checkpoints;

/// <summary>
/// Saves a model as a `torch.save`-compatible zip through TorchSharp.PyBridge, in the official layout of its
/// family: VideoMAE's own names as {'model': state_dict} (what run_class_finetuning.py loads), or the
/// Hugging Face ViViT names as a bare state_dict (what from_pretrained expects in pytorch_model.bin).
/// </summary>
public static class CheckpointWriter
{
    public static void Save(VisionTransformer model, string path)
    {
        using var scope = NewDisposeScope();
        var ours = new Dictionary<string, Tensor>();
        foreach (var (k, v) in model.state_dict()) ours[k] = v.detach().cpu();
        var named = model.Config.Family == "vivit" ? CheckpointLayouts.ToHfVivit(ours) : ours;
        var sd = new Hashtable();
        // Every tensor gets its own storage at offset 0: PyBridge's pickler writes only a view's own bytes
        // but records the view's storage offset, so a chunk of qkv would be saved pointing past its data.
        foreach (var (k, v) in named) sd[k] = v.contiguous().clone();
        Hashtable root = model.Config.Family == "vivit" ? sd : new Hashtable { ["model"] = sd };
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir != null) Directory.CreateDirectory(dir);
        var tmp = path + ".tmp";
        using (var stream = File.Create(tmp))
            TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(stream, root);
        File.Move(tmp, path, overwrite: true);
    }
}
