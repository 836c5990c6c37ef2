using System.CommandLine;

namespace VideoVCReg.Cli.Commands;

/// <summary>
/// `videovcreg bench ...`: speed goals as ratios against a baseline measured in the same run,
/// because shared machines are noisy. Benchmarks never gate tests.
/// </summary>
public static class BenchCommand
{
    public static Command Build()
    {
        var cmd = new Command("bench", "Benchmarks that print ratios against a baseline measured in the same run");
        // One line per benchmark: each subcommand lives in its own file.
        cmd.Subcommands.Add(BenchVcRegCommand.Build());
        cmd.Subcommands.Add(BenchModelCommand.Build());
        cmd.Subcommands.Add(BenchDecodeCommand.Build());
        cmd.Subcommands.Add(BenchProbeCommand.Build());
        cmd.Subcommands.Add(BenchImagesCommand.Build());
        cmd.Subcommands.Add(BenchDdpCommand.Build());
        cmd.Subcommands.Add(BenchAllReduceCommand.Build());
        cmd.Subcommands.Add(BenchAmpCommand.Build());
        cmd.Subcommands.Add(BenchTrainCommand.Build());
        return cmd;
    }
}
