using System.Security.Cryptography;

namespace VideoVCReg.Runtime.IO;

/// <summary>A file's identity by content, for settings that must change when a file is rewritten under the same name.</summary>
public static class FileDigest
{
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
