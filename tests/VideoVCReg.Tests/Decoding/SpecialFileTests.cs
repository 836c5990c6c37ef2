using System.Diagnostics;
using VideoVCReg.Decoding;
using VideoVCReg.Decoding.Images;
using VideoVCReg.Runtime.IO;

namespace VideoVCReg.Tests.Decoding;

/// <summary>
/// A FIFO or a device named as a video, image, IDX or .npy file (issue 28): .NET sees it as an empty file, so /dev/zero
/// was called "empty file", and opening a FIFO blocked until a writer came. Each reader now names what the path is,
/// from a stat, without opening it.
/// </summary>
public class SpecialFileTests
{
    [Fact]
    public async Task A_fifo_or_a_device_is_named_as_what_it_is_and_never_blocks()
    {
        var dir = Directory.CreateTempSubdirectory("special-files-").FullName;
        var fifo = Path.Combine(dir, "input");
        Process.Start("mkfifo", fifo).WaitForExit();
        var readers = new (string What, Action<string> Read)[]
        {
            ("a video", p => VideoReader.Open(p).Dispose()),
            ("an image", p => ImageViews.Decode(p).Dispose()),
            ("an IDX", p => IdxFile.ReadImages(p)),
            ("a dataset", p => GzipFile.ReadAll(p)),
            ("a .npy", p => NpyFile.ReadFloat32(p).Dispose()),
        };
        bool blocked = false;
        try
        {
            foreach (var (what, read) in readers)
                foreach (var (file, kind) in new[] { (fifo, "a FIFO (named pipe)"), ("/dev/zero", "a character device") })
                {
                    var run = Task.Run(() => read(file));
                    // Without the check the FIFO's open waits for a writer: give it one below, so the test ends either way.
                    if (await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(10))) != run)
                    {
                        blocked = true;
                        Assert.Fail($"{what} reader blocked on {file}");
                    }
                    var e = await Assert.ThrowsAsync<InvalidDataException>(() => run);
                    // The image decoder's reason goes without the path: the loader's skip report puts it first.
                    var expected = what == "an image" ? $"is {kind}, not {what} file" : $"{file}: is {kind}, not {what} file";
                    Assert.Equal(expected, e.Message);
                }
        }
        finally
        {
            // Releases the reader a failed run left blocked in open(2): opening the write end completes its open.
            if (blocked) await Task.WhenAny(Task.Run(() => { using var w = new FileStream(fifo, FileMode.Open, FileAccess.Write); }), Task.Delay(TimeSpan.FromSeconds(2)));
            Directory.Delete(dir, true);
        }
    }
}
