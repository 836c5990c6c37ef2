using System.CommandLine;

namespace VideoVCReg.Cli.Commands;

/// <summary>`videovcreg docs-cli` (hidden): prints docs/cli.md, the `--help` of every command (see <see cref="CliReference"/>).</summary>
public static class DocsCliCommand
{
    public static Command Build()
    {
        var cmd = new Command("docs-cli", $"Print the CLI reference in Markdown ({CliReference.Regenerate})") { Hidden = true };
        cmd.SetAction(_ =>
        {
            Console.Out.Write(CliReference.Markdown());
            return 0;
        });
        return cmd;
    }
}
