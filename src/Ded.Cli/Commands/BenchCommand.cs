using System.CommandLine;
using System.Text.Json;
using Ded.Cli.Bench;

namespace Ded.Cli.Commands;

/// <summary>`ded bench NAME`: a readable table, then one JSON line with the figures.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Run a benchmark; the last line is one JSON object with its figures.");
        foreach (var bench in BenchCatalog.All)
        {
            var sub = new Command(bench.Name, bench.Description);
            sub.SetAction(async (_, ct) =>
            {
                var figures = await bench.RunAsync(Console.Out, ct);
                Console.Out.WriteLine(JsonSerializer.Serialize(figures));
                return 0;
            });
            command.Subcommands.Add(sub);
        }
        return command;
    }
}
