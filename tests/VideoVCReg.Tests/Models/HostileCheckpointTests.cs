using System.Diagnostics;
using System.Text;
using VideoVCReg.Tests.Support;

namespace VideoVCReg.Tests.Models;

/// <summary>
/// Damaged or crafted checkpoints get one line naming the file, exit 1, and no huge allocation or crash:
/// sizes in the header are checked against the bytes really present before anything is allocated.
/// </summary>
public class HostileCheckpointTests
{
    static string Dir()
    {
        var dir = Directory.CreateTempSubdirectory("videovcreg-hostile-").FullName;
        PythonScript.Run(ModelFixtures.File("make_hostile_checkpoints.py"), dir);
        return dir;
    }

    static void WriteSafetensors(string path, string header, int dataBytes)
    {
        var json = Encoding.UTF8.GetBytes(header);
        using var f = File.Create(path);
        f.Write(BitConverter.GetBytes((ulong)json.Length));
        f.Write(json);
        f.Write(new byte[dataBytes]);
    }

    [Fact]
    public void Lying_checkpoints_are_one_line_errors_naming_the_file()
    {
        var dir = Dir();
        WriteSafetensors(Path.Combine(dir, "huge_shape.safetensors"), """{"w":{"dtype":"F32","shape":[1099511627776],"data_offsets":[0,4]}}""", 4);
        WriteSafetensors(Path.Combine(dir, "short_offsets.safetensors"), """{"w":{"dtype":"F32","shape":[1],"data_offsets":[4]}}""", 4);
        WriteSafetensors(Path.Combine(dir, "bad_dtype.safetensors"), """{"w":{"dtype":"Q7","shape":[1],"data_offsets":[0,4]}}""", 4);
        WriteSafetensors(Path.Combine(dir, "overflow_shape.safetensors"), """{"w":{"dtype":"F32","shape":[4611686018427387904, 2],"data_offsets":[0,4]}}""", 4);
        WriteSafetensors(Path.Combine(dir, "overlap.safetensors"), """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12);
        var expected = new Dictionary<string, string>
        {
            ["neg_numel.pth"] = "claims -1 elements",
            ["huge_numel.pth"] = "claims 1099511627776 elements",
            ["neg_size.pth"] = "malformed",
            ["empty_stack.pth"] = "cannot read the pickle",
            ["huge_shape.safetensors"] = "its shape needs 4398046511104 bytes",
            ["short_offsets.safetensors"] = "data_offsets must have two entries",
            ["bad_dtype.safetensors"] = "unknown dtype 'Q7'",
            ["overflow_shape.safetensors"] = "tensor w: shape [4611686018427387904, 2] needs more than 2⁶³ bytes",
            ["overlap.safetensors"] = "tensors a [0, 8) and b [4, 12) overlap",
            ["reduce_call.pth"] = "the pickle asks to call posix.system when loaded, which no checkpoint needs",
        };
        foreach (var (name, reason) in expected)
        {
            var file = Path.Combine(dir, name);
            var r = CliProcess.Run("inspect", file);
            Assert.True(r.ExitCode == 1, $"{name}: exit {r.ExitCode}, stderr {r.Stderr}");
            var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length == 1, $"{name}: {r.Stderr}");
            Assert.StartsWith($"videovcreg: {file}: ", lines[0]);
            Assert.Contains(reason, lines[0]);
        }
        Assert.False(File.Exists(Path.Combine(dir, "payload_ran")));
    }

    [Fact]
    public void A_fifo_a_device_and_a_name_that_is_not_utf8_are_named_as_what_they_are()
    {
        var dir = Directory.CreateTempSubdirectory("videovcreg-special-").FullName;
        try
        {
            var fifo = Path.Combine(dir, "weights.pth");
            Process.Start("mkfifo", fifo).WaitForExit();
            // Written by bash from raw bytes: .NET cannot create a name that is not UTF-8.
            Process.Start("bash", ["-c", $"printf 'x' > '{dir}/caf'$'\\xe9''.pth'"]).WaitForExit();
            var latin1 = Directory.EnumerateFiles(dir, "caf*").Single();
            foreach (var (file, reason) in new[] { (fifo, "is a FIFO (named pipe), not a checkpoint file"), ("/dev/zero", "is a character device, not a checkpoint file"),
                         (latin1, "the name is not valid UTF-8") })
            {
                var r = CliProcess.Run("inspect", file);
                Assert.True(r.ExitCode == 1, $"{file}: exit {r.ExitCode}, stderr {r.Stderr}");
                var line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
                Assert.Contains(reason, line);
                Assert.DoesNotContain("\uFFFD", line);
            }
        }
        // rm: .NET cannot delete the file whose name is not UTF-8 either.
        finally { Process.Start("rm", ["-rf", dir]).WaitForExit(); }
    }

    [Fact]
    public void A_flipped_block_inside_a_storage_fails_its_crc_and_names_the_file()
    {
        var dir = Directory.CreateTempSubdirectory("videovcreg-crc-").FullName;
        try
        {
            var good = Path.Combine(dir, "good.pth");
            var script = Path.Combine(dir, "make.py");
            File.WriteAllText(script, """
                import sys, torch
                torch.save({"w": torch.full((4096,), 1.5), "b": torch.arange(8.0)}, sys.argv[1])
                """);
            PythonScript.Run(script, good);
            var bytes = File.ReadAllBytes(good);
            // 1.5f is 00 00 C0 3F; the first run of 64 of them is inside w's storage, whose sizes all still agree.
            var pattern = Enumerable.Repeat(new byte[] { 0, 0, 0xC0, 0x3F }, 64).SelectMany(b => b).ToArray();
            int at = bytes.AsSpan().IndexOf(pattern);
            Assert.True(at > 0, "w's storage not found in the file");
            bytes.AsSpan(at + 1024, 200).Fill(0xFF);
            var damaged = Path.Combine(dir, "damaged.pth");
            File.WriteAllBytes(damaged, bytes);

            var read = (System.Collections.IDictionary)VideoVCReg.Models.Checkpoints.TorchZipReader.Read(good);
            Assert.Equal(1.5f, ((TorchSharp.torch.Tensor)read["w"]!)[4095].item<float>());
            var r = CliProcess.Run("inspect", damaged);
            Assert.Equal(1, r.ExitCode);
            var line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"videovcreg: {damaged}: storage data/", line);
            Assert.Contains("fails its CRC-32 check", line);
        }
        // rm: .NET cannot delete the file whose name is not UTF-8 either.
        finally { Process.Start("rm", ["-rf", dir]).WaitForExit(); }
    }
}
