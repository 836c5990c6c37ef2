using static TorchSharp.torch;

namespace VideoVCReg.Models.Checkpoints;

/// <summary>
/// How a state_dict fails to fit a model: the keys it lacks, the keys it has that the model does not, the keys whose
/// shapes differ. Computed here for every loader (VideoMAE and Hugging Face layouts, torchvision, self-supervised
/// backbones, `inspect`), so "fits" means one thing everywhere. <see cref="ToString"/> is the one-line description:
/// counts, each with its first few names, since a checkpoint of another architecture lists hundreds of keys.
/// </summary>
public sealed record KeyMismatch(IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected, IReadOnlyList<string> Shapes)
{
    public const int Shown = 6;

    public bool Fits => Missing.Count + Unexpected.Count + Shapes.Count == 0;

    /// <param name="required">The model's keys the state_dict must hold, at these shapes.</param>
    /// <param name="state">The state_dict, already in the model's names.</param>
    /// <param name="mayAlsoHold">Keys the state_dict may hold beyond <paramref name="required"/> (a classifier being replaced); null: none.</param>
    public static KeyMismatch Between(IEnumerable<KeyValuePair<string, Tensor>> required, IReadOnlyDictionary<string, Tensor> state, Func<string, bool>? mayAlsoHold = null)
    {
        var target = required.ToDictionary(kv => kv.Key, kv => kv.Value);
        return new KeyMismatch(
            [.. target.Keys.Where(k => !state.ContainsKey(k))],
            [.. state.Keys.Where(k => !target.ContainsKey(k) && !(mayAlsoHold?.Invoke(k) ?? false))],
            [.. target.Where(kv => state.TryGetValue(kv.Key, out var v) && !v.shape.SequenceEqual(kv.Value.shape))
                .Select(kv => $"{kv.Key} (checkpoint [{string.Join(", ", state[kv.Key].shape)}], model [{string.Join(", ", kv.Value.shape)}])")]);
    }

    public override string ToString() => Describe(Missing, Unexpected, Shapes);

    public static string Describe(IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> shapes)
    {
        var parts = new List<string>();
        if (missing.Count > 0) parts.Add($"missing {missing.Count} [{First(missing, ", ")}]");
        if (unexpected.Count > 0) parts.Add($"unexpected {unexpected.Count} [{First(unexpected, ", ")}]");
        if (shapes.Count > 0) parts.Add($"shape mismatch {shapes.Count} [{First(shapes, "; ")}]");
        return string.Join("; ", parts);
    }

    static string First(IReadOnlyList<string> names, string separator) =>
        names.Count <= Shown ? string.Join(separator, names) : $"{string.Join(separator, names.Take(Shown))}{separator}… {names.Count - Shown} more";
}
