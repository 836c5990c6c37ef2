using System.CommandLine;
using VideoVCReg.Models.Regularization;

namespace VideoVCReg.Cli.Hosting;

/// <summary>The command-line face of the `Regularizer` configuration section, shared by every verb that trains.</summary>
public static class RegularizerCliOptions
{
    /// <summary>Adds the VCReg weights only (<paramref name="all"/> false), or every regularizer option.</summary>
    public static void AddTo(Command command, bool all = true)
    {
        if (all)
        {
            command.Options.Add(Option<string>("--reg", "Kind", $"Regularizer: {string.Join(", ", RegularizerOptions.Kinds)}",
                o => o.AcceptOnlyFromAmong(RegularizerOptions.Kinds)));
            command.Options.Add(Option<string>("--placement", "Placement", "Where it sits: head, blocks, downsample, blocks+downsample"));
        }
        command.Options.Add(Option<double>("--alpha", "Alpha", "VCReg variance weight α"));
        command.Options.Add(Option<double>("--beta", "Beta", "VCReg covariance weight β"));
        command.Options.Add(Option<string>("--vcreg-scaling", "Scaling", "VCReg covariance gradient: paper (Algorithm 1's 4β/(d(d−1)), default) or loss (the exact gradient of β·ℓ_cov, (n−1) times weaker)",
            o => o.AcceptOnlyFromAmong(RegularizerOptions.Scalings)));
        command.Options.Add(Option<double>("--vcreg-eps", "Epsilon", "VCReg variance epsilon ε (the paper gives none; 1e-4 is VICReg's)"));
        command.Options.Add(Option<double>("--smooth-l1", "SmoothL1Delta", "Use eq. 6's smooth-L1 covariance penalty with this δ"));
        if (all)
        {
            command.Options.Add(Option<double>("--reg-weight", "Weight", "λ of DeCov or WLD-Reg"));
            command.Options.Add(Option<double>("--wld-gamma", "Gamma", "WLD-Reg RBF bandwidth γ"));
            command.Options.Add(Option<bool>("--log-reg", "LogStats", "Log ℓ_var and ℓ_cov from the fast backward"));
            command.Options.Add(Option<bool>("--vcreg-sync", "Sync", "Data parallel: VCReg statistics over every process's samples (SyncBatchNorm's way); default: per process"));
            command.Options.Add(Option<int>("--vcreg-groups", "Groups", "VCReg statistics per group of the batch (sample b in group b mod G): one process reproducing G processes' per-process statistics"));
        }
    }

    static ConfigOption<T> Option<T>(string name, string key, string description, Action<ConfigOption<T>>? setup = null)
    {
        var o = new ConfigOption<T>(name, $"Regularizer:{key}", description).Init();
        setup?.Invoke(o);
        return o;
    }
}
