using System.Text.Json;
using Ded.Data;
using Ded.Data.Pools;
using Ded.Evaluation;
using Ded.Tests.Evaluation;
using Ded.Tests.Verification.Code;
using Ded.Verification;
using Ded.Verification.Code;
using Microsoft.Extensions.AI;
using Xunit;
using SpineFixtures = Ded.Tests.Spine.Spine;

namespace Ded.Tests.ShippedRecipes;

/// <summary>Code questions from a pool carry their tests to the run's code verifier and to `ded eval`'s grading.</summary>
[Collection(SandboxCollection.Name)]
public sealed class CodeInRunTests(SandboxFixture fixture) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ded-code-run-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Doubler = "```python\nprint(2 * int(input()))\n```";

    private string Pool()
    {
        var path = Path.Combine(_dir, "cf.jsonl");
        var info = JsonSerializer.Serialize(new { test_cases = new[] { new { input = "3\n", output = "6\n" }, new { input = "5\n", output = "10\n" } } });
        File.WriteAllLines(path, [JsonSerializer.Serialize(new Dictionary<string, string> { ["problem_id"] = "cf-1", ["problem"] = "Print twice the number.", ["verification_info"] = info })]);
        return path;
    }

    [Theory]
    [InlineData(Doubler, VerdictKind.Correct, "passed: 2/2 tests passed")]
    [InlineData("```python\nprint(int(input()) + 3)\n```", VerdictKind.Wrong, "wrong_answer: 1/2 tests passed")]
    [InlineData("", VerdictKind.NoAnswer, "no_code: 0/2 tests passed")]
    [InlineData("I would not write code for this.", VerdictKind.Wrong, "runtime_error: 0/2 tests passed")] // unfenced text is run as the program
    public async Task PoolQuestionTestsJudgeTheAnswer(string answer, VerdictKind kind, string reason)
    {
        var question = Assert.Single(QuestionLoader.FromPool(new PoolSource { Path = Pool(), Mapping = PoolPresets.Get("codeforces"), Domain = "code" }));
        Assert.Equal(("cf-1", "code"), (question.Id, question.Domain));
        var verifier = new DomainVerifier(new Ded.Verification.Math.MathAnswerVerifier(Ded.Verification.Math.MathVerifyOptions.Default),
            new CodeAnswerVerifier(fixture.Sandbox, SandboxFixture.Tight));
        var verdict = await verifier.VerifyAsync(question, Answer.Of("t1", "<think>hm</think>" + answer), default);
        Assert.Equal((kind, "auto", "code: " + reason), (verdict.Kind, verdict.Verifier, verdict.Reason));
    }

    [Fact]
    public async Task EvalRunsCodeAnswersInTheSandbox()
    {
        var items = await BenchmarkEvaluation.LoadAsync(Pool(), PoolPresets.Get("codeforces"), limit: null, default);
        Assert.EndsWith(EvalOptions.CodeInstruction, Assert.Single(items).Prompt);
        await using var server = await ScriptedAnswerServer.StartAsync((_, asked) =>
            new ScriptedReply(asked % 2 == 0 ? Doubler : "```python\nprint(0)\n```"));
        using var student = new Training.EndpointStudent(new Teachers.Endpoints.EndpointOptions { BaseUrls = [server.BaseUrl], Model = "m" });
        var samples = new StringWriter();
        var options = new EvalOptions { Samples = 4, MaxConcurrency = 1, Code = SandboxFixture.Tight };
        var verifier = BenchmarkEvaluation.VerifierFor(BenchmarkEvaluation.TaskOf(PoolShape.CodeTests), options, () => fixture.Sandbox);
        var graded = await EvaluationStage.RunAsync(student, items, verifier, options, samples, progress: null, default);
        var result = EvaluationStage.Score("cf", "m", items, graded, options, votes: false);
        Assert.Equal((0.5, 1.0), (result.AvgAtN.Mean, result.PassAtN.Mean));
        Assert.Null(result.MajAtN); // programs do not vote
        Assert.Equal(["passed", "wrong_answer", "passed", "wrong_answer"],
            samples.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("status").GetString()));
    }
}
