using System.Collections;
using TorchSharp;
using VideoVCReg.Runtime.IO;
using static TorchSharp.torch;

namespace VideoVCReg.Models.Checkpoints;

/// <summary>
/// Saves a model as a `torch.save`-compatible zip through TorchSharp.PyBridge, in the official layout of its
/// family (<see cref="Network.PublishedState"/>): VideoMAE's own names as {'model': state_dict} (what
/// run_class_finetuning.py loads), the Hugging Face ViViT names or torchvision's as a bare state_dict (what
/// from_pretrained and load_state_dict expect).
/// </summary>
public static class CheckpointWriter
{
    /// <summary>
    /// Saves the model; <paramref name="extra"/> entries (a training run's optimizer and loop state, each a
    /// dict of tensors) sit beside <c>'model'</c>, which a checkpoint with extras always has, whatever the family.
    /// </summary>
    public static void Save(Network model, string path, IReadOnlyDictionary<string, Hashtable>? extra = null)
    {
        using var scope = NewDisposeScope();
        var named = model.PublishedState();
        var sd = new Hashtable();
        // Every tensor gets its own storage at offset 0: PyBridge's pickler writes only a view's own bytes
        // but records the view's storage offset, so a chunk of qkv would be saved pointing past its data.
        foreach (var (k, v) in named) sd[k] = v.contiguous().clone();
        Hashtable root = model.PublishesBareStateDict && extra is null ? sd : new Hashtable { ["model"] = sd };
        foreach (var (k, v) in extra ?? new Dictionary<string, Hashtable>()) root[k] = v;
        AtomicFile.Write(path, stream => TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(stream, root));
    }
}
