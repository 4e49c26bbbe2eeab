using System.CommandLine;

namespace Ded.Cli.Commands;

/// <summary>`ded verify ...`: verification stages. (Sandbox branch: holds only `code`; merged with `math`.)</summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var command = new Command("verify", "Verify rollouts: run code against tests.");
        command.Subcommands.Add(VerifyCodeCommand.Create());
        return command;
    }
}
