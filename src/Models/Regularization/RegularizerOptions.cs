namespace VideoVCReg.Models.Regularization;

/// <summary>
/// Which feature regularizer a run uses and where, bound from the `Regularizer` configuration section
/// (and the `--reg`, `--placement`, `--alpha`, ... options). Kinds: `vcreg` (fast), `vcreg-naive`,
/// `decov`, `wld-reg`, `none`.
/// </summary>
public sealed record RegularizerOptions
{
    public static readonly string[] Kinds = ["vcreg", "vcreg-naive", "decov", "wld-reg", "none"];

    public string Kind { get; init; } = "vcreg";
    public string Placement { get; init; } = "head";
    public double Alpha { get; init; } = 1.0;
    public double Beta { get; init; } = 0.1;
    public double Epsilon { get; init; } = 1e-4;
    /// <summary>Eq. 6's threshold δ; unset means the squared covariance penalty.</summary>
    public double? SmoothL1Delta { get; init; }
    /// <summary>λ of DeCov or WLD-Reg; unset means the regularizer's own default.</summary>
    public double? Weight { get; init; }
    /// <summary>WLD-Reg's RBF bandwidth γ.</summary>
    public double Gamma { get; init; } = 10.0;
    public bool LogStats { get; init; }

    /// <summary>How reports name it: "none", "vcreg α1 β0.1 at head", "decov at blocks".</summary>
    public string Label => Kind == "none" ? "none"
        : Kind.StartsWith("vcreg") ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Kind} α{Alpha} β{Beta} at {Placement}")
        : $"{Kind} at {Placement}";

    /// <summary>As <see cref="Label"/>, with "no regularizer" for none: the row names of the image protocols' tables.</summary>
    public string RowLabel => Kind == "none" ? "no regularizer" : Label;

    public VcRegOptions ToVcReg() => new() { Alpha = Alpha, Beta = Beta, Epsilon = Epsilon, SmoothL1Delta = SmoothL1Delta };

    /// <summary>Every problem, so one message can list them all.</summary>
    public IReadOnlyList<string> Problems()
    {
        var p = new List<string>();
        if (!Kinds.Contains(Kind)) p.Add($"Regularizer:Kind '{Kind}' is not one of {string.Join(", ", Kinds)}");
        try { PlacementNames.Parse(Placement); } catch (ArgumentException e) { p.Add($"Regularizer:Placement: {e.Message}"); }
        if (Alpha < 0 || Beta < 0) p.Add($"Regularizer: alpha ({Alpha}) and beta ({Beta}) must be ≥ 0");
        if (Epsilon <= 0) p.Add($"Regularizer:Epsilon must be > 0 (got {Epsilon})");
        if (SmoothL1Delta is <= 0) p.Add($"Regularizer:SmoothL1Delta must be > 0 (got {SmoothL1Delta})");
        if (Weight is < 0) p.Add($"Regularizer:Weight must be ≥ 0 (got {Weight})");
        if (Gamma <= 0) p.Add($"Regularizer:Gamma must be > 0 (got {Gamma})");
        return p;
    }
}

public static class RegularizerFactory
{
    /// <summary>The configured regularizer and its placement; null when the kind is `none`.</summary>
    public static (FeatureRegularizer? Regularizer, Placement Placement) Create(RegularizerOptions o)
    {
        var problems = o.Problems();
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems));
        FeatureRegularizer? reg = o.Kind switch
        {
            "vcreg" => new VcReg(o.ToVcReg(), fast: true, logStats: o.LogStats),
            "vcreg-naive" => new VcReg(o.ToVcReg(), fast: false, logStats: o.LogStats),
            "decov" => o.Weight is double w ? new DeCov(w) : new DeCov(),
            "wld-reg" => o.Weight is double w ? new WldReg(w, o.Gamma) : new WldReg(gamma: o.Gamma),
            _ => null,
        };
        return (reg, reg is null ? Regularization.Placement.None : PlacementNames.Parse(o.Placement));
    }
}
