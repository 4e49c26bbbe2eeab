using System.CommandLine;
using Ded.Data.Tokenizers;

namespace Ded.Cli.Commands;

/// <summary>`ded tokenize --tokenizer FILE --in FILE --out FILE`.</summary>
internal static class TokenizeCommand
{
    public static Command Create()
    {
        var tokenizer = new Option<string>("--tokenizer") { Description = "Hugging Face tokenizer.json (byte-level BPE)", Required = true };
        var input = new Option<string>("--in") { Description = "JSONL of {\"text\": ...} lines", Required = true };
        var output = new Option<string>("--out") { Description = "JSONL written: each line with ids added", Required = true };
        var command = new Command("tokenize", "Add token ids to each {\"text\"} line, as Hugging Face's tokenizer would.")
        {
            tokenizer, input, output,
        };
        command.SetAction((parse, ct) => DataCommandErrors.RunAsync(async () =>
        {
            var hf = HfTokenizer.Load(parse.GetValue(tokenizer)!);
            var (lines, tokens) = await TokenizeFile.RunAsync(hf, parse.GetValue(input)!, parse.GetValue(output)!, ct);
            Console.WriteLine($"{lines} lines, {tokens} tokens → {parse.GetValue(output)}");
            return 0;
        }));
        return command;
    }
}
