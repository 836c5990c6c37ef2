using System.Text.Json;
using VideoVCReg.Runtime.IO;

namespace VideoVCReg.FineTune;

/// <summary>
/// A run's metrics.jsonl and its <see cref="Records"/>: one <see cref="EpochRecord"/> a line (<see cref="Trainer.JsonOptions"/>). It is rewritten whole
/// after each epoch (it is small), so a kill while writing leaves the previous epochs intact. Not written when
/// <paramref name="write"/> is false (another rank, or a throwaway run), though a resume still reads it.
/// </summary>
sealed class MetricsFile(string outDir, bool write)
{
    readonly List<string> lines = [];

    /// <summary>Every epoch's record, a resumed run's earlier epochs included.</summary>
    public List<EpochRecord> Records { get; } = [];

    public string Path { get; } = System.IO.Path.Combine(outDir, "metrics.jsonl");

    /// <summary>Empties the file: a new run's records must not follow an earlier run's.</summary>
    public void StartOver()
    {
        if (write) AtomicFile.WriteText(Path, "");
    }

    /// <summary>Takes up the records of the <paramref name="epochsDone"/> epochs a checkpoint saved; later lines are dropped.</summary>
    public void Resume(int epochsDone)
    {
        var done = File.Exists(Path) ? File.ReadAllLines(Path).Where(l => l.Trim().Length > 0).ToList() : [];
        if (done.Count < epochsDone)
            throw new InvalidDataException($"{Path}: {done.Count} epoch(s) recorded, the checkpoint has {epochsDone}");
        // Lines past the checkpoint belong to an epoch whose weights were lost with the process: it runs again.
        lines.AddRange(done.Take(epochsDone));
        for (int i = 0; i < lines.Count; i++)
        {
            try { Records.Add(JsonSerializer.Deserialize<EpochRecord>(lines[i], Trainer.JsonOptions) ?? throw new JsonException("null")); }
            catch (JsonException e) { throw new InvalidDataException($"{Path}: line {i + 1} is not an epoch record ({e.Message}); --force starts the run over"); }
        }
    }

    public void Append(EpochRecord record)
    {
        Records.Add(record);
        lines.Add(JsonSerializer.Serialize(record, Trainer.JsonOptions));
        if (write) AtomicFile.WriteText(Path, string.Join("\n", lines) + "\n");
    }
}
