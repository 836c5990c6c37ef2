namespace VideoVCReg.Runtime.IO;

/// <summary>
/// The one way a run writes a file: into <c>PATH.partial</c>, flushed to disk, then renamed over PATH, so a
/// reader (or a run killed half-way) sees the old file or the new one, never a mix. When the write fails
/// (a full disk, most often) the partial file is removed, so it cannot keep the disk full, and the error
/// names the file.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full);
        if (dir != null) Directory.CreateDirectory(dir);
        var tmp = full + ".partial";
        try
        {
            using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                // Writers such as PyBridge's pickler close the stream they are given; the flush to disk must still follow.
                write(new KeepOpen(stream));
                stream.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch (Exception e)
        {
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            if (e is IOException or UnauthorizedAccessException) throw new IOException($"{full}: could not be written ({e.Message})", e);
            throw;
        }
    }

    sealed class KeepOpen(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void SetLength(long value) => inner.SetLength(value);
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);
        protected override void Dispose(bool disposing) => inner.Flush();
    }

    /// <summary>
    /// Writes the text unless the file already holds exactly it: the data-parallel ranks that prepare a source after rank 0
    /// (or array tasks after their submitter) then write nothing, and never race on the partial file.
    /// </summary>
    public static void WriteTextIfChanged(string path, string text)
    {
        try { if (File.Exists(path) && File.ReadAllText(path) == text) return; }
        catch (IOException) { }
        WriteText(path, text);
    }

    /// <summary>
    /// Creates the file with this text unless it exists, atomically even against another process doing the same at the
    /// same moment (two sweep workers started together): each writes its own temporary file and links it into place
    /// without overwriting, so exactly one creates the file and the other finds it complete. True when this call created it.
    /// </summary>
    public static bool CreateTextOnce(string path, string text)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(full)) return false;
        var tmp = $"{full}.{Environment.ProcessId}-{Guid.NewGuid():N}.partial";
        try
        {
            using (var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                using (var w = new StreamWriter(stream, leaveOpen: true)) w.Write(text);
                stream.Flush(flushToDisk: true);
            }
            // link(2) fails with EEXIST when the name exists, atomically; File.Move without overwrite checks, then renames
            // over whatever appeared in between (seen in CI: two writers both "created" the file).
            if (OperatingSystem.IsWindows())
            {
                try { File.Move(tmp, full, overwrite: false); return true; }
                catch (IOException) when (File.Exists(full)) { return false; }
            }
            if (Link(tmp, full) == 0) return true;
            int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno == 17) return false;                                  // EEXIST: another process created it first
            throw new IOException($"link failed (errno {errno})");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{full}: could not be written ({e.Message})", e);
        }
        finally
        {
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "link", SetLastError = true)]
    static extern int Link(string oldPath, string newPath);

    public static void WriteText(string path, string text) =>
        Write(path, s => { using var w = new StreamWriter(s, leaveOpen: true); w.Write(text); });
}
