using TorchSharp;

namespace VideoVCReg.Experiment;

/// <summary>
/// The checks a run makes before --force removes the run in its folder (<see cref="FineTune.RunFolder.Claim"/>): the data can
/// be read and each model builds with its starting weights, so a mistyped --data or --weights fails with the old run still there.
/// </summary>
public static class RunInputs
{
    /// <summary>
    /// What a video run's spec resolved to, recorded beside it: the preset's values (so an edited presets file is seen on
    /// resume; its prose description is not a value) and the starting weights' full path (a path typed relative names
    /// another file from another folder; the file itself need not stay, since a resume starts from the run's checkpoint).
    /// </summary>
    public static Dictionary<string, object?> Resolved(Models.ModelConfig preset, string? weights) => new()
    {
        ["preset"] = preset with { Description = "" }, ["weights"] = weights is null ? null : Path.GetFullPath(weights),
    };

    public static void Check(IDataSource source, IEnumerable<ModelFactory> factories, string outDir, CancellationToken cancel)
    {
        source.Prepare(outDir, cancel);
        int classes = source.Classes(source.Folds[0]).Count;
        // Building a model draws its initial weights: the generator is put back, so the run that follows draws exactly
        // what a run into an empty folder would (same --seed, same numbers).
        using var rng = torch.get_rng_state();
        try
        {
            foreach (var factory in factories)
            {
                using var model = factory(classes, null).Model;
            }
        }
        finally { torch.set_rng_state(rng); }
    }
}
