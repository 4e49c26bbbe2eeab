using System.CommandLine;
using System.Text.Json;
using Ded.Cli.Commands;
using Ded.Tests.Support;
using Xunit;

namespace Ded.Tests.Evaluation;

/// <summary>`ded eval` end to end against a loopback server whose answers are scripted per question.</summary>
public sealed class EvalCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ded-eval-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The first <paramref name="count"/> (problem, gold) pairs of a shared benchmark file.</summary>
    private static List<(string Problem, string Gold)> Golds(string file, int count) =>
        File.ReadLines(SharedData.Require(file)).Take(count).Select(line =>
        {
            using var doc = JsonDocument.Parse(line);
            var answer = doc.RootElement.GetProperty("answer");
            return (doc.RootElement.GetProperty("problem").GetString()!,
                answer.ValueKind == JsonValueKind.String ? answer.GetString()! : answer.GetRawText());
        }).ToList();

    private static int IndexOf(List<(string Problem, string Gold)> golds, string prompt) =>
        golds.FindIndex(g => prompt.StartsWith(g.Problem + "\n\n", StringComparison.Ordinal));

    private async Task<JsonElement> EvalAsync(string baseUrl, string benchmark, int limit, int n, params string[] extra)
    {
        var output = Path.Combine(_dir, Path.GetFileNameWithoutExtension(benchmark) + "-out");
        var rc = await new RootCommand { EvalCommand.Create() }.Parse(
            ["eval", "--endpoint", baseUrl, "--model", "scripted", "--benchmark", benchmark, "--limit", $"{limit}", "--n", $"{n}", "--out", output, .. extra]).InvokeAsync();
        Assert.Equal(0, rc);
        Assert.Equal(limit * n, File.ReadAllLines(Path.Combine(output, "samples.jsonl")).Length);
        return JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "results.json"))).RootElement;
    }

    private static double Mean(JsonElement result, string score) => result.GetProperty(score).GetProperty("mean").GetDouble();

    [SkippableTheory]
    [InlineData("aime24.jsonl", "aime24")]
    [InlineData("aime25.jsonl", "aime25")]
    [InlineData("math500.jsonl", "math500")]
    public async Task GoldOnEvenQuestionsScoresOneHalf(string file, string benchmark)
    {
        var golds = Golds(file, 4);
        await using var server = await ScriptedAnswerServer.StartAsync((prompt, _) =>
        {
            int q = IndexOf(golds, prompt);
            Assert.True(q >= 0, "prompt is the problem, a blank line, then the instruction");
            Assert.EndsWith("Please reason step by step, and put your final answer within \\boxed{}.", prompt);
            return new ScriptedReply($"<think>Let me work.</think>The answer is $\\boxed{{{(q % 2 == 0 ? golds[q].Gold : "123456789")}}}$.");
        });
        var result = await EvalAsync(server.BaseUrl, benchmark, limit: 4, n: 3);
        Assert.Equal(4, result.GetProperty("questions").GetInt32());
        Assert.Equal(3, result.GetProperty("n").GetInt32());
        foreach (var score in new[] { "avg_at_n", "maj_at_n", "pass_at_1", "pass_at_n" })
            Assert.Equal(0.5, Mean(result, score), 12);
        Assert.Equal(0.0, result.GetProperty("truncation_rate").GetDouble());
        Assert.Equal(0.0, result.GetProperty("no_answer_rate").GetDouble());
        Assert.Equal([3, 0, 3, 0], result.GetProperty("per_question").EnumerateArray().Select(q => q.GetProperty("correct").GetInt32()));
        var body = JsonDocument.Parse(server.Bodies.First()).RootElement;
        Assert.Equal(0.6, body.GetProperty("temperature").GetDouble(), 6);
        Assert.Equal(0.95, body.GetProperty("top_p").GetDouble(), 6);
    }

    [SkippableFact]
    public async Task MixedSamplesGiveAvgMajPassAndRates()
    {
        var golds = Golds("aime24.jsonl", 4);
        // q0: right then wrong; q1: always wrong; q2: cut off at the token limit; q3: no answer at all.
        await using var server = await ScriptedAnswerServer.StartAsync((prompt, asked) => IndexOf(golds, prompt) switch
        {
            0 => new ScriptedReply(asked == 0 ? $"\\boxed{{{golds[0].Gold}}}" : "\\boxed{999999}"),
            1 => new ScriptedReply("\\boxed{999999}"),
            2 => new ScriptedReply("<think>and so on", "length"),
            _ => new ScriptedReply("I cannot say."),
        });
        // one request in flight: q0's first sample is asked first, so it is the right one and wins the tied vote.
        var result = await EvalAsync(server.BaseUrl, "aime24", limit: 4, n: 2, "--max-in-flight", "1");
        Assert.Equal(0.5 / 4, Mean(result, "avg_at_n"), 12);
        Assert.Equal(0.25, Mean(result, "maj_at_n"), 12);
        Assert.Equal(0.5 / 4, Mean(result, "pass_at_1"), 12);
        Assert.Equal(0.25, Mean(result, "pass_at_n"), 12);
        Assert.Equal(0.25, result.GetProperty("truncation_rate").GetDouble(), 12);
        Assert.Equal(0.5, result.GetProperty("no_answer_rate").GetDouble(), 12); // truncated samples have no answer either
        var rows = result.GetProperty("per_question").EnumerateArray().ToList();
        Assert.Equal([1, 0, 0, 0], rows.Select(q => q.GetProperty("correct").GetInt32()));
        Assert.Equal([0, 0, 2, 0], rows.Select(q => q.GetProperty("truncated").GetInt32()));
        Assert.Equal([0, 0, 2, 2], rows.Select(q => q.GetProperty("no_answer").GetInt32()));
        var interval = result.GetProperty("avg_at_n");
        Assert.True(interval.GetProperty("low").GetDouble() <= 0.125 && interval.GetProperty("high").GetDouble() >= 0.125);
    }

    [SkippableFact]
    public async Task MultipleChoiceIsShuffledAndAnsweredWithALetter()
    {
        var file = Path.Combine(_dir, "gpqa.jsonl");
        File.WriteAllLines(file, Enumerable.Range(0, 4).Select(i => JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["Record ID"] = $"r{i}", ["Question"] = $"Which option is the right one, number {i}?", ["Correct Answer"] = $"right {i}",
            ["Incorrect Answer 1"] = $"wrong a{i}", ["Incorrect Answer 2"] = $"wrong b{i}", ["Incorrect Answer 3"] = $"wrong c{i}",
        })));
        var letters = new List<char>();
        await using var server = await ScriptedAnswerServer.StartAsync((prompt, _) =>
        {
            var line = prompt.Split('\n').Single(l => l.Length > 3 && l[1] == ')' && l.Contains("right", StringComparison.Ordinal));
            lock (letters) letters.Add(line[0]);
            return new ScriptedReply($"The answer is \\boxed{{{line[0]}}}.");
        });
        var result = await EvalAsync(server.BaseUrl, file, limit: 4, n: 1, "--preset", "gpqa");
        Assert.Equal(1.0, Mean(result, "avg_at_n"), 12);
        Assert.True(letters.Distinct().Count() > 1, "the seeded shuffle moves the correct option");
    }

    [SkippableFact]
    public void UnknownBenchmarkFailsNamingIt()
    {
        var e = Assert.Throws<FileNotFoundException>(() => EvalCommand.Resolve("aime23", preset: null));
        Assert.StartsWith("--benchmark: 'aime23' is neither a known benchmark (math500, aime24, aime25, gpqa)", e.Message);
    }

    [SkippableFact]
    public async Task UnsetKeyVariableIsNamedAndNothingIsSent()
    {
        SharedData.Require("aime24.jsonl"); // the benchmark is read before the key
        await using var server = await ScriptedAnswerServer.StartAsync((_, _) => new ScriptedReply("\\boxed{1}"));
        var (code, _, err) = await Ded.Tests.Spine.Spine.RunCliAsync("eval", "--endpoint", server.BaseUrl, "--model", "m", "--api-key-env", "DED_EVAL_TEST_UNSET_KEY",
            "--benchmark", "aime24", "--limit", "1", "--n", "1", "--out", Path.Combine(_dir, "unset"));
        Assert.Equal(2, code);
        Assert.Contains("api_key_env names DED_EVAL_TEST_UNSET_KEY, which is not set", err);
        Assert.Empty(server.Bodies);
    }
}
