using VideoVCReg.Experiment.Images;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Images;

/// <summary>Damaged MNIST-format files: each is refused with one line that names the file and what is wrong, never read as data.</summary>
public class IdxBadFileTests
{
    const int Plane = 28 * 28;

    /// <summary>A valid 40 + 12 image set with one file replaced by <paramref name="damage"/>'s bytes (written as they are, so a gzip stays cut).</summary>
    static string Damaged(string root, string name, string file, Func<string, byte[]> damage)
    {
        var dir = Path.Combine(root, name);
        IdxTestFiles.WriteSet(dir, 40, 12);
        var path = Path.Combine(dir, file + ".gz");
        var bytes = damage(path);
        File.WriteAllBytes(path, bytes);
        return dir;
    }

    static byte[] Gzipped(byte[] header, byte[] body)
    {
        var tmp = Path.GetTempFileName();
        IdxTestFiles.Write(tmp, header, body, gzip: true);
        var bytes = File.ReadAllBytes(tmp);
        File.Delete(tmp);
        return bytes;
    }

    static string OneLine(string dir) =>
        Assert.Throws<InvalidDataException>(() => GreySets.Read($"fashion-mnist:{dir}", coarse: false)).Message;

    [Fact]
    public void Each_damaged_idx_file_is_one_line_naming_the_file_and_the_problem()
    {
        var root = Directory.CreateTempSubdirectory("idx-bad-").FullName;
        try
        {
            var cases = new (string Dir, string File, string Problem)[]
            {
                (Damaged(root, "magic", "t10k-images-idx3-ubyte", p => { var b = IdxTestFiles.Gunzip(p); b[3] = 0x01; return Gzipped(b[..16], b[16..]); }),
                    "t10k-images-idx3-ubyte.gz", "not an IDX images (idx3-ubyte) file (magic 0x00000801, expected 0x00000803)"),
                (Damaged(root, "labels-magic", "train-labels-idx1-ubyte", p => { var b = IdxTestFiles.Gunzip(p); b[3] = 0x03; return Gzipped(b[..8], b[8..]); }),
                    "train-labels-idx1-ubyte.gz", "not an IDX labels (idx1-ubyte) file (magic 0x00000803, expected 0x00000801)"),
                // The header promises 41 images; 40 are there.
                (Damaged(root, "dims", "train-images-idx3-ubyte", p => Gzipped(IdxTestFiles.Header(0x0803, 41, 28, 28), IdxTestFiles.Gunzip(p)[16..])),
                    "train-images-idx3-ubyte.gz", $"the header says 41 images of 28×28 ({16 + 41 * Plane} bytes with it), but the file holds {16 + 40 * Plane} bytes"),
                // Rows and columns that multiply to the length but disagree with the test images' 28 × 28.
                (Damaged(root, "shape", "t10k-images-idx3-ubyte", p => Gzipped(IdxTestFiles.Header(0x0803, 12, 14, 56), IdxTestFiles.Gunzip(p)[16..])),
                    "t10k-images-idx3-ubyte.gz", "14×56 images, but the training images are 28×28"),
                (Damaged(root, "label-range", "t10k-labels-idx1-ubyte", p => { var b = IdxTestFiles.Gunzip(p); b[8 + 7] = 10; return Gzipped(b[..8], b[8..]); }),
                    "t10k-labels-idx1-ubyte.gz", "image 7 has label 10, out of range for 10 classes (0–9)"),
                (Damaged(root, "label-count", "train-labels-idx1-ubyte", p => Gzipped(IdxTestFiles.Header(0x0801, 39), IdxTestFiles.Gunzip(p)[8..^1])),
                    "train-labels-idx1-ubyte.gz", "39 labels for the 40 images of"),
                (Damaged(root, "truncated", "t10k-images-idx3-ubyte", p => { var b = File.ReadAllBytes(p); return b[..(b.Length / 2)]; }),
                    "t10k-images-idx3-ubyte.gz", "truncated gzip file"),
                // Cut inside the trailer: the deflate data is whole, the size check is what notices.
                (Damaged(root, "trailer", "train-labels-idx1-ubyte", p => File.ReadAllBytes(p)[..^2]),
                    "train-labels-idx1-ubyte.gz", "truncated gzip file"),
            };
            foreach (var (dir, file, problem) in cases)
            {
                var line = OneLine(dir);
                Assert.StartsWith(Path.Combine(dir, file) + ": ", line);
                Assert.Contains(problem, line);
                Assert.DoesNotContain('\n', line);
            }
            var missing = Path.Combine(root, "missing");
            IdxTestFiles.WriteSet(missing, 40, 12);
            File.Delete(Path.Combine(missing, "t10k-labels-idx1-ubyte.gz"));
            Assert.StartsWith(Path.Combine(missing, "t10k-labels-idx1-ubyte") + "(.gz): IDX file not found",
                Assert.Throws<FileNotFoundException>(() => GreySets.Read($"idx:{missing}", coarse: false)).Message);
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void A_damaged_file_through_the_cli_exits_non_zero_with_its_one_line()
    {
        var root = Directory.CreateTempSubdirectory("idx-bad-cli-").FullName;
        try
        {
            var dir = Damaged(root, "truncated", "t10k-images-idx3-ubyte", p => { var b = File.ReadAllBytes(p); return b[..(b.Length * 2 / 3)]; });
            var r = CliProcess.Run("probe", "--arch", "resnet32", "--data", $"idx:{dir}", "--threads", "1", "--out", Path.Combine(root, "probe"));
            Assert.Equal(1, r.ExitCode);
            var line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"videovcreg: {Path.Combine(dir, "t10k-images-idx3-ubyte.gz")}: truncated gzip file", line);
        }
        finally { Directory.Delete(root, true); }
    }
}
