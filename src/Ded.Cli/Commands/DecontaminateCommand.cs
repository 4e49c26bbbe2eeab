using System.CommandLine;
using Ded.Data.Dedup;

namespace Ded.Cli.Commands;

/// <summary>`ded decontaminate --in FILE --benchmark FILE... --out FILE [--field NAME] [--ngram 8]`.</summary>
internal static class DecontaminateCommand
{
    public static Command Create()
    {
        var input = new Option<string>("--in") { Description = "Pool to check (JSONL, JSON array or Parquet)", Required = true };
        var benchmarks = new Option<string[]>("--benchmark")
        {
            Description = "Benchmark files to decontaminate against (e.g. math500.jsonl aime24.jsonl)",
            Required = true, AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<string>("--out") { Description = "JSONL written: each input row with contaminated and matches", Required = true };
        var field = new Option<string?>("--field") { Description = "Text field of the input rows (default: problem, question, prompt)" };
        var ngram = new Option<int>("--ngram") { Description = "n-gram size in normalized words", DefaultValueFactory = _ => 8 };
        var noDigitRule = new Option<bool>("--no-digit-free-exact") { Description = "Skip Light-R1's exact-after-removing-digits rule" };
        var command = new Command("decontaminate", "Flag questions that overlap evaluation benchmarks (n-grams, exact without digits).")
        {
            input, benchmarks, output, field, ngram, noDigitRule,
        };
        command.SetAction((parse, ct) => DataCommandErrors.RunAsync(async () =>
        {
            var options = new DecontaminationOptions { NgramSize = parse.GetValue(ngram), IsDigitFreeExactEnabled = !parse.GetValue(noDigitRule) };
            var summary = await DecontaminationFile.RunAsync(parse.GetValue(input)!, parse.GetValue(benchmarks)!,
                parse.GetValue(output)!, parse.GetValue(field), options, ct);
            Console.WriteLine($"{summary.Rows} rows, {summary.Contaminated} contaminated " +
                $"(against {summary.BenchmarkQuestions} benchmark questions, {summary.BenchmarkNgrams} {options.NgramSize}-grams) → {parse.GetValue(output)}");
            return 0;
        }));
        return command;
    }
}
