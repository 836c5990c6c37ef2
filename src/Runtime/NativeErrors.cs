using System.Globalization;
using System.Text.RegularExpressions;

namespace VideoVCReg.Runtime;

/// <summary>
/// libtorch's errors as one readable line. Its messages carry the C++ stack (" frame #0: …", "Exception raised from …"),
/// thousands of characters that say nothing to a user; an allocation that fails is by far the likeliest of them, from an
/// absurd batch, size or frame count, so it is named as what it is.
/// </summary>
public static partial class NativeErrors
{
    [GeneratedRegex(@"can't allocate memory: you tried to allocate (\d+) bytes")]
    private static partial Regex CpuAllocation();

    [GeneratedRegex(@"CUDA out of memory\. Tried to allocate ([\d.]+ [KMGT]iB)")]
    private static partial Regex CudaAllocation();

    /// <summary>The line for a libtorch error message, or null when the message is not one of libtorch's.</summary>
    public static string? Describe(string message)
    {
        if (CpuAllocation().Match(message) is { Success: true } cpu)
        {
            double gb = double.Parse(cpu.Groups[1].Value, CultureInfo.InvariantCulture) / 1e9;
            return $"out of memory: a tensor of {gb.ToString("F1", CultureInfo.InvariantCulture)} GB could not be allocated; lower the batch size, image size or frame count";
        }
        if (CudaAllocation().Match(message) is { Success: true } cuda)
            return $"out of GPU memory: a tensor of {cuda.Groups[1].Value} could not be allocated; lower the batch size, image size or frame count";
        // The stack starts at whichever of libtorch's two markers comes first.
        var cuts = new[] { " frame #0", "Exception raised from" }.Select(m => message.IndexOf(m, StringComparison.Ordinal)).Where(i => i > 0).ToList();
        return cuts.Count > 0 ? message[..cuts.Min()].Trim() : null;
    }
}
