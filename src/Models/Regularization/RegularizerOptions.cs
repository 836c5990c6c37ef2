using System.Text.Json;
using VideoVCReg.Runtime.Distributed;

namespace VideoVCReg.Models.Regularization;

/// <summary>
/// Which feature regularizer a run uses and where, bound from the `Regularizer` configuration section
/// (and the `--reg`, `--placement`, `--alpha`, ... options). Kinds: `vcreg` (fast), `vcreg-naive`,
/// `decov`, `wld-reg`, `none`.
/// </summary>
public sealed record RegularizerOptions
{
    public static readonly string[] Kinds = ["vcreg", "vcreg-naive", "decov", "wld-reg", "none"];
    public static readonly string[] Scalings = ["paper", "loss"];

    public string Kind { get; init; } = "vcreg";
    public string Placement { get; init; } = "head";
    public double Alpha { get; init; } = 1.0;
    public double Beta { get; init; } = 0.1;
    public double Epsilon { get; init; } = 1e-4;
    /// <summary>--vcreg-scaling: "paper" (Algorithm 1's covariance gradient, the default) or "loss" (eq. 3's); see <see cref="VcRegScaling"/>.</summary>
    public string Scaling { get; init; } = "paper";
    /// <summary>Eq. 6's threshold δ; unset means the squared covariance penalty.</summary>
    public double? SmoothL1Delta { get; init; }
    /// <summary>λ of DeCov or WLD-Reg; unset means the regularizer's own default.</summary>
    public double? Weight { get; init; }
    /// <summary>WLD-Reg's RBF bandwidth γ.</summary>
    public double Gamma { get; init; } = 10.0;
    /// <summary>Logs the features' statistics each epoch; changes no number, so a resume may turn it on or off.</summary>
    [VideoVCReg.Runtime.RunControl]
    public bool LogStats { get; init; }
    /// <summary>--vcreg-sync: fast VCReg's statistics over the global batch of a data-parallel run (<see cref="VcRegOptions.Sync"/>).</summary>
    public bool Sync { get; init; }
    /// <summary>--vcreg-groups G: fast VCReg's statistics per group of the batch (<see cref="VcRegOptions.Groups"/>).</summary>
    public int Groups { get; init; } = 1;

    /// <summary>How reports name it: "none", "vcreg α1 β0.1 paper-scaled at head", "decov at blocks".</summary>
    public string Label => Kind == "none" ? "none"
        : Kind.StartsWith("vcreg") ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Kind} α{Alpha} β{Beta} {Scaling}-scaled at {Placement}")
        : $"{Kind} at {Placement}";

    /// <summary>As <see cref="Label"/>, with "no regularizer" for none: the row names of the image protocols' tables.</summary>
    public string RowLabel => Kind == "none" ? "no regularizer" : Label;

    /// <summary>
    /// The regularizer a run's settings.json records. Settings written before the scaling switch carry no Scaling, and those
    /// runs used eq. 3's gradient, so they read as "loss", never as today's default.
    /// </summary>
    public static RegularizerOptions FromSettings(JsonElement regularizer)
    {
        var o = regularizer.Deserialize<RegularizerOptions>() ?? throw new JsonException("empty regularizer settings");
        return regularizer.TryGetProperty(nameof(Scaling), out _) ? o : o with { Scaling = "loss" };
    }

    public VcRegOptions ToVcReg(int rowsPerSample = 1) => new()
    {
        RowsPerSample = rowsPerSample,
        Alpha = Alpha, Beta = Beta, Epsilon = Epsilon, Scaling = Scaling == "loss" ? VcRegScaling.Loss : VcRegScaling.Paper, SmoothL1Delta = SmoothL1Delta, Groups = Groups,
        Sync = Sync ? ProcessGroup.World : null,
    };

    /// <summary>Every problem, so one message can list them all.</summary>
    public IReadOnlyList<string> Problems()
    {
        var p = new List<string>();
        if (!Kinds.Contains(Kind)) p.Add($"Regularizer:Kind '{Kind}' is not one of {string.Join(", ", Kinds)}");
        if (!Scalings.Contains(Scaling)) p.Add($"Regularizer:Scaling (--vcreg-scaling) '{Scaling}' is not one of {string.Join(", ", Scalings)}");
        try { PlacementNames.Parse(Placement); } catch (ArgumentException e) { p.Add($"Regularizer:Placement: {e.Message}"); }
        if (!(Alpha >= 0 && double.IsFinite(Alpha) && Beta >= 0 && double.IsFinite(Beta))) p.Add($"Regularizer: alpha ({Alpha}) and beta ({Beta}) must be finite and ≥ 0");
        if (!(Epsilon > 0 && double.IsFinite(Epsilon))) p.Add($"Regularizer:Epsilon (--vcreg-eps) must be finite and > 0 (got {Epsilon})");
        if (SmoothL1Delta is double delta && !(delta > 0 && double.IsFinite(delta))) p.Add($"Regularizer:SmoothL1Delta (--smooth-l1) must be finite and > 0 (got {delta})");
        if (Weight is double w && !(w >= 0 && double.IsFinite(w))) p.Add($"Regularizer:Weight (--reg-weight) must be finite and ≥ 0 (got {w})");
        if (!(Gamma > 0 && double.IsFinite(Gamma))) p.Add($"Regularizer:Gamma must be finite and > 0 (got {Gamma})");
        if (Groups < 1) p.Add($"Regularizer:Groups (--vcreg-groups) must be ≥ 1 (got {Groups})");
        if ((Sync || Groups > 1) && Kind is not ("vcreg" or "vcreg-naive")) p.Add($"--vcreg-sync and --vcreg-groups set VCReg's statistics: they need --reg vcreg or vcreg-naive (got {Kind})");
        if (Sync && Groups > 1) p.Add("--vcreg-sync (statistics over all processes) and --vcreg-groups (over parts of the batch) exclude each other");
        return p;
    }
}

public static class RegularizerFactory
{
    /// <summary>
    /// The configured regularizer and its placement; null when the kind is `none`. <paramref name="rowsPerSample"/>: the
    /// training views of one sample that follow each other in a batch (for <see cref="VcRegOptions.Groups"/>).
    /// </summary>
    public static (FeatureRegularizer? Regularizer, Placement Placement) Create(RegularizerOptions o, int rowsPerSample = 1)
    {
        var problems = o.Problems();
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems));
        FeatureRegularizer? reg = o.Kind switch
        {
            "vcreg" => new VcReg(o.ToVcReg(rowsPerSample), fast: true, logStats: o.LogStats),
            "vcreg-naive" => new VcReg(o.ToVcReg(rowsPerSample), fast: false, logStats: o.LogStats),
            "decov" => o.Weight is double w ? new DeCov(w) : new DeCov(),
            "wld-reg" => o.Weight is double w ? new WldReg(w, o.Gamma) : new WldReg(gamma: o.Gamma),
            _ => null,
        };
        return (reg, reg is null ? Regularization.Placement.None : PlacementNames.Parse(o.Placement));
    }
}
