using System.CommandLine;
using Ded.Display;
using Ded.Runs;

namespace Ded.Cli.Commands;

/// <summary>`ded show ID --out DIR`: the lineage chain of a trajectory or a question.</summary>
internal static class ShowCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "A trajectory id or a question id." };
        var outOption = CliSupport.OutOption(required: true);
        var command = new Command("show", "Print the lineage of a trajectory (question, teacher, sampling, response, verdict, filters, selection) or a question.")
            { id, outOption };
        command.SetAction((parse, _) => CliSupport.GuardAsync(() =>
        {
            using var store = RunStore.OpenToRead(parse.GetValue(outOption)!); // no writer's lock: it reads while a run writes
            var text = Lineage.Describe(store, parse.GetValue(id)!);
            if (text is null)
            {
                Console.Error.WriteLine(TerminalText.Line($"error: no trajectory or question {ShellWords.Quote(parse.GetValue(id)!)} in {store.Folder}"));
                return Task.FromResult(1);
            }
            Console.Out.Write(text);
            return Task.FromResult(0);
        }));
        return command;
    }
}
