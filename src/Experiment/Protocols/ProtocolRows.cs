using VideoVCReg.Models.Regularization;

namespace VideoVCReg.Experiment.Protocols;

/// <summary>
/// A protocol row names a regularizer kind, optionally with the VCReg scaling it runs under: `none`, `vcreg`,
/// `vcreg:loss`, `decov`. The scaling is what a comparison of Algorithm 1 with eq. 3's exact gradient needs.
/// </summary>
public static class ProtocolRows
{
    public static (string Kind, string? Scaling) Parse(string row)
    {
        int colon = row.IndexOf(':');
        return colon < 0 ? (row, null) : (row[..colon], row[(colon + 1)..]);
    }

    public static string? Problem(string row)
    {
        var (kind, scaling) = Parse(row);
        if (!RegularizerOptions.Kinds.Contains(kind)) return $"--regs: '{kind}' is not one of {string.Join(", ", RegularizerOptions.Kinds)}";
        if (scaling is null) return null;
        if (!kind.StartsWith("vcreg")) return $"--regs: '{row}': only vcreg rows take a scaling";
        return RegularizerOptions.Scalings.Contains(scaling) ? null : $"--regs: '{row}': the scaling must be one of {string.Join(", ", RegularizerOptions.Scalings)}";
    }

    /// <summary>The run's regularizer settings: the shared ones with this row's kind, and its scaling where it names one.</summary>
    public static RegularizerOptions Apply(string row, RegularizerOptions shared)
    {
        var (kind, scaling) = Parse(row);
        return shared with { Kind = kind, Scaling = scaling ?? shared.Scaling };
    }

    /// <summary>The row's part of its run folders' names: `vcreg`, `vcreg-loss`.</summary>
    public static string Folder(string row) => row.Replace(':', '-');
}
