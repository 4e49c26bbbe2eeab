using System.CommandLine;
using Ded.Verification.Math;

namespace Ded.Cli.Commands;

/// <summary>`ded verify math --in FILE --out FILE`: Math-Verify-style equivalence over JSON Lines.</summary>
internal static class VerifyMathCommand
{
    public static Command Create()
    {
        var input = new Option<FileInfo>("--in") { Description = "JSONL with gold, pred, optional id, extraction, float_rounding", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "JSONL with id, equivalent, status, gold_normalized, pred_normalized", Required = true };
        var command = new Command("math", "Check each prediction's final answer against its gold (gold-first, as Math-Verify).");
        command.Options.Add(input);
        command.Options.Add(output);
        command.SetAction(async (parse, ct) =>
        {
            var inFile = parse.GetValue(input)!;
            var outFile = parse.GetValue(output)!;
            if (!inFile.Exists)
            {
                await Console.Error.WriteLineAsync($"verify math: --in {inFile.FullName} does not exist");
                return 2;
            }
            try
            {
                using var reader = inFile.OpenText();
                await using var writer = new StreamWriter(outFile.FullName);
                var count = await MathVerifyJsonl.ProcessAsync(reader, writer, inFile.Name, MathVerifyOptions.Default, ct);
                await Console.Error.WriteLineAsync($"verify math: {count} lines → {outFile.FullName}");
                return 0;
            }
            catch (FormatException e)
            {
                await Console.Error.WriteLineAsync("verify math: " + e.Message);
                return 2;
            }
        });
        return command;
    }
}
