using System.CommandLine;
using System.Text.Json;
using Ded.Cli.Commands;
using Ded.Data.Dedup;
using Ded.Data.Tokenizers;
using Ded.Tests.Support;
using Xunit;

namespace Ded.Tests.Data;

public sealed class DataCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ded-datacmd-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, params string[] lines)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    [SkippableFact]
    public async Task DecontaminateWritesEveryRowWithContaminatedAndMatches()
    {
        var input = Write("pool.jsonl",
            """{"id": "a", "problem": "Every morning Aya goes for a $10$-kilometer-long walk and stops at a coffee shop afterwards.", "extra": 1}""",
            """{"id": "b", "question": "Corwin stacks 3 lanterns in the boathouse and paints every 2th one green."}""");
        var output = Path.Combine(_dir, "out.jsonl");
        var summary = await DecontaminationFile.RunAsync(input, [SharedData.Require("aime24.jsonl")], output, null, new DecontaminationOptions(), default);
        Assert.Equal(new DecontaminationSummary(2, 1, 30, summary.BenchmarkNgrams), summary);
        var lines = File.ReadAllLines(output);
        Assert.Equal(
            """{"id":"a","problem":"Every morning Aya goes for a $10$-kilometer-long walk and stops at a coffee shop afterwards.","extra":1,"contaminated":true,"matches":[{"rule":"ngram","benchmark":"aime24.jsonl","row_id":"2024-I-1","evidence":"kilometer long walk and stops at a coffee"}]}""",
            lines[0]);
        Assert.Equal("""{"id":"b","question":"Corwin stacks 3 lanterns in the boathouse and paints every 2th one green.","contaminated":false,"matches":[]}""", lines[1]);
    }

    [SkippableFact]
    public async Task DecontaminateFieldOptionPicksTheText()
    {
        var input = Write("pool.jsonl", """{"problem": "unrelated words here", "body": "Every morning Aya goes for a $9$-kilometer-long walk and stops at a coffee shop afterwards."}""");
        var output = Path.Combine(_dir, "out.jsonl");
        var summary = await DecontaminationFile.RunAsync(input, [SharedData.Require("aime24.jsonl")], output, "body", new DecontaminationOptions(), default);
        Assert.Equal(1, summary.Contaminated);
    }

    [SkippableFact]
    public async Task DecontaminateThroughTheCommandLine()
    {
        var input = Write("pool.jsonl", """{"problem": "What is the value of $513^2 - 487^2$?"}""");
        var output = Path.Combine(_dir, "out.jsonl");
        var root = new RootCommand { DecontaminateCommand.Create() };
        var rc = await root.Parse(["decontaminate", "--in", input, "--benchmark", SharedData.Require("math500.jsonl"),
            SharedData.Require("aime25.jsonl"), "--out", output, "--ngram", "9"]).InvokeAsync();
        Assert.Equal(0, rc);
        using var doc = JsonDocument.Parse(File.ReadAllLines(output)[0]);
        Assert.True(doc.RootElement.GetProperty("contaminated").GetBoolean());
        Assert.Equal("test/algebra/2592.json", doc.RootElement.GetProperty("matches")[0].GetProperty("row_id").GetString());
    }

    [SkippableFact]
    public async Task TokenizeAddsIdsToEveryTextLine()
    {
        var tokenizer = HfTokenizer.Load(SharedData.Require("tokenizers/qwen3/tokenizer.json"));
        var input = Write("t.jsonl", """{"text": "Hello World", "n": 1}""", "", """{"text": "<think>"}""");
        var output = Path.Combine(_dir, "t.out.jsonl");
        Assert.Equal((2, 3L), await TokenizeFile.RunAsync(tokenizer, input, output, default));
        Assert.Equal(["""{"text":"Hello World","n":1,"ids":[9707,4337]}""", """{"text":"<think>","ids":[151667]}"""], File.ReadAllLines(output));
    }

    [SkippableFact]
    public async Task TokenizeLineWithoutTextNamesFileAndLine()
    {
        var tokenizer = HfTokenizer.Load(SharedData.Require("tokenizers/qwen3/tokenizer.json"));
        var input = Write("t.jsonl", """{"text": "ok"}""", """{"prompt": "no text"}""");
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => TokenizeFile.RunAsync(tokenizer, input, Path.Combine(_dir, "o.jsonl"), default));
        Assert.Equal($"{input}:2: field 'text' is missing or not a string", e.Message);
    }
}
