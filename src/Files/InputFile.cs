using System.Runtime.InteropServices;

namespace VideoVCReg.Files;

/// <summary>
/// What is wrong with a path given as an input file, as one line, before anything opens it. .NET reports a FIFO or a
/// device as an ordinary empty file (and opening a FIFO blocks until a writer comes), and decodes a name that is not
/// UTF-8 to U+FFFD, after which the file it names cannot be opened and looks missing; both need saying plainly.
/// </summary>
public static class InputFile
{
    /// <summary>A one-line problem naming <paramref name="path"/> and <paramref name="what"/> ("checkpoint"), or null when it is a readable, non-empty regular file.</summary>
    public static string? Problem(string path, string what) => Reason(path, what) is string reason ? $"{Printable(path)}: {reason}" : null;

    /// <summary>
    /// <see cref="Problem"/> without the path, for a caller whose report puts the path first itself (a loader's skip list).
    /// Only a stat: a FIFO is never opened, so it cannot block.
    /// </summary>
    public static string? Reason(string path, string what)
    {
        if (path.Contains('\uFFFD'))
            return "the name is not valid UTF-8, and .NET cannot open such a file; rename it (for example with `convmv -f latin1 -t utf8`)";
        if (Directory.Exists(path)) return $"is a directory, not {A(what)} file";
        if (!File.Exists(path)) return $"{what} not found";
        if (Kind(path) is string kind) return $"is {kind}, not {A(what)} file";
        if (new FileInfo(path).Length == 0) return $"empty file, not {A(what)} file";
        return null;
    }

    /// <summary>"a video", "an image", "an IDX".</summary>
    static string A(string noun) => (noun.Length > 0 && "aeiouAEIOU".Contains(noun[0]) ? "an " : "a ") + noun;

    /// <summary>The path with U+FFFD shown as '?', so a terminal prints the name as the user typed it, less the bad bytes.</summary>
    public static string Printable(string path) => path.Replace('\uFFFD', '?');

    /// <summary>"a FIFO", "a character device", … for a path that exists and is not a regular file; null otherwise or where stat's layout is unknown.</summary>
    static string? Kind(string path)
    {
        // st_mode's offset in glibc's struct stat: x86-64 puts st_nlink before it, the generic layout (arm64) after.
        int offset = RuntimeInformation.ProcessArchitecture switch { Architecture.X64 => 24, Architecture.Arm64 => 16, _ => -1 };
        if (offset < 0 || !OperatingSystem.IsLinux()) return null;
        var buffer = new byte[256];
        // glibc exports `stat` from 2.33 on (Debian 12 has 2.36); an older one (RHEL 8, Ubuntu 20.04) skips this check.
        try { if (stat(path, buffer) != 0) return null; }
        catch (EntryPointNotFoundException) { return null; }
        return (BitConverter.ToUInt32(buffer, offset) & 0xF000) switch
        {
            0x8000 => null,
            0x1000 => "a FIFO (named pipe)",
            0x2000 => "a character device",
            0x6000 => "a block device",
            0xC000 => "a socket",
            _ => null,
        };
    }

    [DllImport("libc", EntryPoint = "stat", SetLastError = true)]
    static extern int stat(string path, byte[] buffer);
}
