using System.CommandLine;

namespace Ded.Cli.Commands;

/// <summary>Every top-level command, in the order `ded --help` lists them (the pipeline's order).</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return VerifyCommand.Create();
        yield return BenchCommand.Create();
    }
}
