// Makes TorchSharp 0.107's libLibTorchSharp.so load on Debian 12 (see ../shared/PLATFORM.md and docs/platform.md).
//
// The library lists GLIBCXX_3.4.32 as a needed version because GCC 13 emits a reference to
// _ZSt21ios_base_library_initv, yet no relocation ever uses that symbol. Debian 12's libstdc++
// (GCC 12) stops at GLIBCXX_3.4.30, so glibc refuses the load. Marking that one needed version
// VER_FLG_WEAK in .gnu.version_r makes glibc accept its absence; nothing else changes.
// The patch is applied to the build-output copy only, and only where the system libstdc++ lacks
// the version. This file is compiled by MSBuild as an inline task (build/TorchSharpGlibcxx.targets).
#nullable enable
using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class GlibcxxWeakVersion : Task
{
    const string Version = "GLIBCXX_3.4.32";
    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlgWeak = 0x2;

    [Required] public string Library { get; set; } = "";

    public override bool Execute()
    {
        if (!File.Exists(Library)) return true;
        string? libstdcxx = FindLibstdcxx();
        if (libstdcxx != null && Contains(File.ReadAllBytes(libstdcxx), Encoding.ASCII.GetBytes(Version + "\0")))
        {
            Log.LogMessage(MessageImportance.Low, $"{libstdcxx} provides {Version}; {Library} left as shipped.");
            return true;
        }
        byte[] elf = File.ReadAllBytes(Library);
        int state = MarkWeak(elf);
        if (state < 0) { Log.LogWarning($"{Library}: no {Version} entry found in .gnu.version_r; left unchanged."); return true; }
        if (state == 0) return true; // already weak
        string tmp = Library + ".tmp";
        File.WriteAllBytes(tmp, elf);
        // Replace, never write through: the output file could be a hard link into the NuGet cache.
        File.Delete(Library);
        File.Move(tmp, Library);
        Log.LogMessage(MessageImportance.High, $"Marked {Version} weak in {Library} (system libstdc++ lacks it).");
        return true;
    }

    // Returns 1 when patched now, 0 when it was already weak, -1 when the entry is absent.
    static int MarkWeak(byte[] b)
    {
        if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[4] != 2 || b[5] != 1) return -1; // ELF64 LE only
        long shoff = BitConverter.ToInt64(b, 0x28);
        int shentsize = BitConverter.ToUInt16(b, 0x3A), shnum = BitConverter.ToUInt16(b, 0x3C);
        for (int s = 0; s < shnum; s++)
        {
            long sh = shoff + (long)s * shentsize;
            if (BitConverter.ToUInt32(b, (int)sh + 4) != ShtGnuVerneed) continue;
            long off = BitConverter.ToInt64(b, (int)sh + 0x18);
            uint link = BitConverter.ToUInt32(b, (int)sh + 0x28), count = BitConverter.ToUInt32(b, (int)sh + 0x2C);
            long strtab = BitConverter.ToInt64(b, (int)(shoff + link * shentsize) + 0x18);
            long vn = off;
            for (uint i = 0; i < count; i++)
            {
                int cnt = BitConverter.ToUInt16(b, (int)vn + 2);
                long vna = vn + BitConverter.ToUInt32(b, (int)vn + 8);
                for (int j = 0; j < cnt; j++)
                {
                    long name = strtab + BitConverter.ToUInt32(b, (int)vna + 8);
                    if (CStringEquals(b, name, Version))
                    {
                        ushort flags = BitConverter.ToUInt16(b, (int)vna + 4);
                        if ((flags & VerFlgWeak) != 0) return 0;
                        BitConverter.GetBytes((ushort)(flags | VerFlgWeak)).CopyTo(b, (int)vna + 4);
                        return 1;
                    }
                    vna += BitConverter.ToUInt32(b, (int)vna + 12);
                }
                vn += BitConverter.ToUInt32(b, (int)vn + 12);
            }
        }
        return -1;
    }

    static bool CStringEquals(byte[] b, long at, string s)
    {
        for (int i = 0; i < s.Length; i++) if (b[at + i] != (byte)s[i]) return false;
        return b[at + s.Length] == 0;
    }

    static bool Contains(byte[] hay, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= hay.Length; i++)
        {
            int k = 0;
            while (k < needle.Length && hay[i + k] == needle[k]) k++;
            if (k == needle.Length) return true;
        }
        return false;
    }

    // The libstdc++ the dynamic loader would pick: ldconfig's cache first, then the usual places.
    static string? FindLibstdcxx()
    {
        try
        {
            var psi = new ProcessStartInfo("/sbin/ldconfig", "-p") { RedirectStandardOutput = true, UseShellExecute = false };
            using var p = Process.Start(psi)!;
            foreach (var line in p.StandardOutput.ReadToEnd().Split('\n'))
                if (line.Contains("libstdc++.so.6 ") && line.Contains("x86-64") && line.Contains("=>"))
                    return line.Substring(line.IndexOf("=>") + 2).Trim();
        }
        catch (Exception) { }
        foreach (var dir in new[] { "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib" })
            if (File.Exists(Path.Combine(dir, "libstdc++.so.6"))) return Path.Combine(dir, "libstdc++.so.6");
        return null;
    }
}
