using System.CommandLine;

namespace VideoVCReg.Cli.Commands;

/// <summary>`videovcreg video ...`: inspect single video files with the in-process decoder.</summary>
public static class VideoCommand
{
    public static Command Build()
    {
        var cmd = new Command("video", "Inspect video files: metadata, frames as PNG, full decode check");
        cmd.Subcommands.Add(VideoInfoCommand.Build());
        cmd.Subcommands.Add(VideoFramesCommand.Build());
        cmd.Subcommands.Add(VideoCheckCommand.Build());
        return cmd;
    }
}
