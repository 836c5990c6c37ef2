using VideoVCReg.FineTune;

namespace VideoVCReg.Experiment;

/// <summary>
/// A run's settings.json against the settings of the command that continues it: one comparison and one refusal for every
/// way into a run folder (a whole run, an array task of one split, the submitter of the array). A resume with other
/// settings would silently be another run.
/// </summary>
public static class RunSettings
{
    public const string FileName = "settings.json";

    /// <summary>Throws the one refusal when <paramref name="outDir"/> recorded settings other than <paramref name="current"/>; a folder without any passes.</summary>
    public static void RequireSame(string outDir, string current)
    {
        var path = Path.Combine(outDir, FileName);
        if (!File.Exists(path)) return;
        var recorded = File.ReadAllText(path);
        if (recorded != current) throw OtherSettings(outDir, recorded, current);
    }

    public static InvalidOperationException OtherSettings(string outDir, string recorded, string current) =>
        new($"{outDir}: the unfinished run there used other settings ({Trainer.SettingsDiff(recorded, current)}); repeat its options, or --force to start over");
}
