using System.Text.Json;

namespace VideoVCReg.Cli.Bench;

/// <summary>Starts this program under mpirun for a benchmark's worker ranks and reads the one JSON object rank 0 prints.</summary>
static class MpiLaunch
{
    public static JsonElement Run(int ranks, IEnumerable<string> verb, CancellationToken cancel)
    {
        var args = new List<string> { "--oversubscribe", "-np", $"{ranks}" };
        args.AddRange(Self());
        args.AddRange(verb);
        // Open MPI refuses to start as root unless told twice; whoever runs the benchmark as root has made that choice.
        if (Environment.UserName == "root")
        {
            Environment.SetEnvironmentVariable("OMPI_ALLOW_RUN_AS_ROOT", "1");
            Environment.SetEnvironmentVariable("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
        }
        var output = ExternalProcess.Run("mpirun", args, cancel);
        // .NET may put a terminal control sequence before the first output, so the object is found by its brace.
        var line = output.Split('\n').Where(l => l.Contains('{')).Select(l => l[l.IndexOf('{')..]).LastOrDefault()
            ?? throw new InvalidOperationException($"mpirun -np {ranks} videovcreg {string.Join(' ', verb)} printed no result: {output.Trim()}");
        using var doc = JsonDocument.Parse(line);
        return doc.RootElement.Clone();
    }

    /// <summary>How to start this program again: the apphost, or dotnet with the dll.</summary>
    static string[] Self()
    {
        var exe = Environment.ProcessPath ?? "dotnet";
        return Path.GetFileNameWithoutExtension(exe) == "dotnet" ? [exe, typeof(MpiLaunch).Assembly.Location] : [exe];
    }
}
