using System.CommandLine;

namespace Ded.Cli.Commands;

/// <summary>`ded verify …`: answer verification. Each verifier is its own subcommand (math, code).</summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var command = new Command("verify", "Verify model answers against gold answers.");
        command.Subcommands.Add(VerifyMathCommand.Create());
        command.Subcommands.Add(VerifyCodeCommand.Create());
        return command;
    }
}
