using System.Runtime.CompilerServices;

namespace VideoVCReg.Tests.Support;

/// <summary>
/// Every temporary file of a test run (and of the Python and CLI processes it starts) lands under one folder,
/// /tmp/videovcreg-tests-PID, removed when the run ends; a run killed before that is swept by the next one.
/// Without this each run left gigabytes (full-size checkpoints) behind and a CI machine ran out of disk.
/// </summary>
static class TempRoot
{
    const string Prefix = "videovcreg-tests-";

    public static string Path { get; private set; } = "";

    [ModuleInitializer]
    internal static void Apply()
    {
        var system = System.IO.Path.GetTempPath();
        SweepStale(system);
        Path = Directory.CreateDirectory(System.IO.Path.Combine(system, Prefix + Environment.ProcessId)).FullName;
        // Path.GetTempPath reads TMPDIR on each call, and child processes inherit the managed environment.
        Environment.SetEnvironmentVariable("TMPDIR", Path);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Remove(Path);
    }

    static void SweepStale(string system)
    {
        foreach (var dir in Directory.EnumerateDirectories(system, Prefix + "*"))
        {
            if (int.TryParse(System.IO.Path.GetFileName(dir)[Prefix.Length..], out var pid) && !Alive(pid))
                Remove(dir);
        }
    }

    static bool Alive(int pid) => Directory.Exists("/proc/" + pid);

    static void Remove(string dir)
    {
        try { Directory.Delete(dir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
