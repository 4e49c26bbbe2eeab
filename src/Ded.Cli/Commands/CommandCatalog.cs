using System.CommandLine;

namespace Ded.Cli.Commands;

/// <summary>Every top-level command, in the order `ded --help` lists them (the pipeline's order).</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return SelectTeacherCommand.Create();
        yield return RolloutCommand.Create();
        yield return StageCommands.Filter();
        yield return StageCommands.Compress();
        yield return StageCommands.Diversify();
        yield return StageCommands.Export();
        yield return RunCommand.Create();
        yield return LabCommand.Create();
        yield return ShowCommand.Create();
        yield return ReportCommand.Create();
        yield return DecontaminateCommand.Create();
        yield return TokenizeCommand.Create();
        yield return TrainCommand.Create();
        yield return EvalCommand.Create();
        yield return VerifyCommand.Create();
        yield return ServeCommand.Create();
        yield return BenchCommand.Create();
    }
}
