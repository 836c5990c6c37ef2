using System.Diagnostics;
using System.Globalization;
using VideoVCReg.Decoding.Native;

namespace VideoVCReg.Tests.Decoding;

/// <summary>
/// Every struct offset and header constant the C# bindings hard-code is compared with what gcc
/// computes from the installed FFmpeg headers, so a layout change fails here, not as memory corruption.
/// </summary>
public class NativeLayoutTests
{
    [Fact]
    public void Every_struct_offset_and_constant_matches_the_installed_headers()
    {
        var dir = Directory.CreateTempSubdirectory("videovcreg-probe-").FullName;
        try
        {
            var lines = new List<string>
            {
                "#include <stdio.h>", "#include <stddef.h>", "#include <errno.h>",
                "#include <libavformat/avformat.h>", "#include <libavcodec/avcodec.h>", "#include <libavcodec/bsf.h>",
                "#include <libavutil/frame.h>", "#include <libswscale/swscale.h>",
                "int main(void) {",
            };
            foreach (var name in Layout.All.Keys)
            {
                var (type, field) = (name.Split('.')[0], name.Split('.')[1]);
                lines.Add($"  printf(\"{name} %zu\\n\", offsetof({type}, {field}));");
            }
            foreach (var name in Layout.Constants.Keys)
                lines.Add($"  printf(\"{name} %lld\\n\", (long long)({name}));");
            lines.Add("  return 0;\n}");
            var source = Path.Combine(dir, "probe.c");
            File.WriteAllLines(source, lines);
            var exe = Path.Combine(dir, "probe");
            Run("gcc", source, "-o", exe);
            var probed = Run(exe).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split(' ')).ToDictionary(p => p[0], p => long.Parse(p[1], CultureInfo.InvariantCulture));

            Assert.Equal(Layout.All.Count + Layout.Constants.Count, probed.Count);
            foreach (var (name, offset) in Layout.All) Assert.True(probed[name] == offset, $"{name}: C# uses {offset}, headers say {probed[name]}");
            foreach (var (name, value) in Layout.Constants) Assert.True(probed[name] == value, $"{name}: C# uses {value}, headers say {probed[name]}");
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Runtime_libraries_are_the_major_versions_the_layout_was_written_for()
    {
        FfmpegRuntime.EnsureLoaded();
        Assert.Equal(FfmpegRuntime.FormatMajor, (int)(LibAvFormat.avformat_version() >> 16));
        Assert.Equal(FfmpegRuntime.CodecMajor, (int)(LibAvCodec.avcodec_version() >> 16));
        Assert.Equal(FfmpegRuntime.UtilMajor, (int)(LibAvUtil.avutil_version() >> 16));
        Assert.Equal(FfmpegRuntime.ScaleMajor, (int)(LibSwScale.swscale_version() >> 16));
    }

    static string Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} failed: {err.Result}");
        return output;
    }
}
