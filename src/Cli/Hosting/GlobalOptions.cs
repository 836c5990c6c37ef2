using System.CommandLine;
using VideoVCReg.Runtime;

namespace VideoVCReg.Cli.Hosting;

/// <summary>Options that every verb accepts (declared once on the root, recursive).</summary>
public static class GlobalOptions
{
    public static readonly ConfigOption<string> Device = Make(
        new ConfigOption<string>("--device", "Runtime:Device", "Where tensors live: auto (CUDA when present), cpu or cuda").Init(),
        o => o.AcceptOnlyFromAmong(TorchDevice.Choices));

    public static readonly ConfigOption<int> Threads = Make(
        new ConfigOption<int>("--threads", "Runtime:Threads", "Intra-op threads for torch on CPU (0 = all cores)").Init(), _ => { });

    public static readonly ConfigOption<long> Seed = Make(
        new ConfigOption<long>("--seed", "Runtime:Seed", "Random seed").Init(), _ => { });

    public static readonly Option<string?> Config = Make(
        new Option<string?>("--config") { Description = "Extra JSON configuration file, layered over configs/default.json" }, _ => { });

    public static readonly Option<bool> Verbose = Make(
        new Option<bool>("--verbose", "-v") { Description = "Debug logging" }, _ => { });

    static T Make<T>(T option, Action<T> setup) where T : Option
    {
        option.Recursive = true;
        setup(option);
        return option;
    }

    public static IEnumerable<Option> All => [Device, Threads, Seed, Config, Verbose];
}
