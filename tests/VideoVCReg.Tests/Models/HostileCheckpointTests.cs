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
        var expected = new Dictionary<string, string>
        {
            ["neg_numel.pth"] = "claims -1 elements",
            ["huge_numel.pth"] = "claims 1099511627776 elements",
            ["neg_size.pth"] = "malformed",
            ["empty_stack.pth"] = "cannot read the pickle",
            ["huge_shape.safetensors"] = "its shape needs 4398046511104 bytes",
            ["short_offsets.safetensors"] = "data_offsets must have two entries",
            ["bad_dtype.safetensors"] = "unknown dtype 'Q7'",
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
    }
}
