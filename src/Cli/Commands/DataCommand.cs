using System.CommandLine;

namespace VideoVCReg.Cli.Commands;

/// <summary>`videovcreg data ...`: datasets.</summary>
public static class DataCommand
{
    public static Command Build()
    {
        var cmd = new Command("data", "Datasets: generate the synthetic motion dataset or image data, check a dataset folder");
        cmd.Subcommands.Add(DataSynthCommand.Build());
        cmd.Subcommands.Add(DataSynthImagesCommand.Build());
        cmd.Subcommands.Add(DataCheckCommand.Build());
        return cmd;
    }
}
