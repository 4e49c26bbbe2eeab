using System.Text.Json.Nodes;
using Ded.Cli.Commands;
using Ded.Verification.Code;
using Xunit;

namespace Ded.Tests.Verification.Code;

/// <summary>Each status, each test format, through the real sandbox.</summary>
[Collection(SandboxCollection.Name)]
public sealed class CodeVerifierTests(SandboxFixture fixture)
{
    private static readonly (string, string)[] Doubling = [("2\n", "4\n"), ("5\n", "10\n"), ("-1\n", "-2\n")];

    public static TheoryData<string, string, CodeStatus, int> Stdio => new()
    {
        // id, response, status, tests passed (of Doubling's 3; the run stops at the first failure)
        { "correct", "print(int(input()) * 2)", CodeStatus.Passed, 3 },
        { "correct in a fence after reasoning", "<think>hmm</think>\n```python\nn = int(input())\nprint(n + n)\n```", CodeStatus.Passed, 3 },
        { "exit(0) after printing", "import sys\nprint(int(input()) * 2)\nsys.exit(0)", CodeStatus.Passed, 3 },
        { "wrong on the third", "n = int(input())\nprint(abs(n) * 2)", CodeStatus.WrongAnswer, 2 },
        { "crash", "print(1 // 0)", CodeStatus.RuntimeError, 0 },
        { "syntax error", "print(", CodeStatus.RuntimeError, 0 },
        { "nonzero exit", "import sys\nsys.exit(3)", CodeStatus.RuntimeError, 0 },
        { "killed by a signal", "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)", CodeStatus.RuntimeError, 0 },
        { "busy loop", "while True:\n    pass", CodeStatus.Timeout, 0 },
        { "sleeps past the wall backstop", "import time\ntime.sleep(30)", CodeStatus.Timeout, 0 },
        { "unbounded recursion", "def f(n): return f(n + 1)\nf(0)", CodeStatus.RuntimeError, 0 },
        { "only reasoning", "<think>I will write", CodeStatus.NoCode, 0 },
        { "only C++", "```cpp\nint main(){}\n```", CodeStatus.NoCode, 0 },
    };

    [Theory]
    [MemberData(nameof(Stdio))]
    public async Task JudgesStdioPrograms(string id, string response, CodeStatus status, int passed)
    {
        var verdict = await fixture.RunAsync(SandboxFixture.Stdio(id, response, Doubling));
        Assert.Equal((status, passed, 3), (verdict.Status, verdict.TestsPassed, verdict.TestsTotal));
    }

    // Six busy processes keep both cores queued; the program needs ~0.2 s of CPU (twice that when its core's sibling
    // thread is busy too) and gets 1 s of wall time. Wall time alone would call it a timeout on this loaded machine;
    // wall time net of CPU queueing does not.
    [Fact]
    public async Task ASlowButCorrectProgramOnALoadedMachineIsNoTimeout()
    {
        var busy = Enumerable.Range(0, 6).Select(_ => System.Diagnostics.Process.Start("/usr/bin/python3", ["-I", "-S", "-c", "while True: pass"])).ToArray();
        try
        {
            var options = new CodeVerifyOptions { Limits = new SandboxLimits { CpuTimePerTest = TimeSpan.FromSeconds(2), WallTimePerTest = TimeSpan.FromSeconds(1) } };
            var program = "n = 0\nfor i in range(4_000_000):\n    n += i\nprint(n)";
            var verdict = await fixture.RunAsync(SandboxFixture.Stdio("loaded", program, ("", "7999998000000")), options);
            Assert.Equal((CodeStatus.Passed, ""), (verdict.Status, verdict.StderrTail));
        }
        finally
        {
            foreach (var p in busy)
            {
                p.Kill();
                p.Dispose();
            }
        }
    }

    [Fact]
    public async Task RunsEveryTestWhenAskedNotToStop()
    {
        var options = SandboxFixture.Tight with { Limits = SandboxFixture.Tight.Limits with { StopAtFirstFailure = false } };
        var verdict = await fixture.RunAsync(SandboxFixture.Stdio("all", "n = int(input())\nprint(n * 2 if n != 5 else 0)", Doubling), options);
        Assert.Equal((CodeStatus.WrongAnswer, 2, 3), (verdict.Status, verdict.TestsPassed, verdict.TestsTotal));
    }

    [Fact]
    public async Task ReportsTheStderrTailOfTheFailingTest()
    {
        var verdict = await fixture.RunAsync(SandboxFixture.Stdio("tail", "raise KeyError('missing-key')", ("", "")));
        Assert.EndsWith("KeyError: 'missing-key'\n", verdict.StderrTail);
        Assert.Contains("File \"/sandbox/main.py\", line 1", verdict.StderrTail);
    }

    public static TheoryData<string, string, CodeStatus> Calls => new()
    {
        { "plain function", "def add(a, b):\n    return a + b", CodeStatus.Passed },
        { "LeetCode Solution class", "class Solution:\n    def add(self, a, b):\n        return a + b", CodeStatus.Passed },
        { "wrong", "def add(a, b):\n    return a - b", CodeStatus.WrongAnswer },
        { "missing function", "def plus(a, b):\n    return a + b", CodeStatus.RuntimeError },
        { "unserialisable result", "def add(a, b):\n    return {a + b}", CodeStatus.RuntimeError },
    };

    [Theory]
    [MemberData(nameof(Calls))]
    public async Task JudgesCallBasedPrograms(string id, string response, CodeStatus status)
    {
        var tests = new CallTests("add", [new CallCase(new JsonArray(1, 2), JsonNode.Parse("[3]")), new CallCase(new JsonArray(-4, 4), JsonNode.Parse("0"))]);
        var verdict = await fixture.RunAsync(new CodeTask { Id = id, Response = response, Tests = tests });
        Assert.Equal(status, verdict.Status);
    }

    [Fact]
    public async Task VerifyCodeCommandWritesVerdictsInInputOrder()
    {
        var dir = Directory.CreateTempSubdirectory("ded-verify-code-");
        try
        {
            var input = new FileInfo(Path.Combine(dir.FullName, "in.jsonl"));
            var output = new FileInfo(Path.Combine(dir.FullName, "out.jsonl"));
            File.WriteAllLines(input.FullName,
            [
                """{"id":"a","code":"import time\ntime.sleep(0.5)\nprint(input())","verification_info":{"language":"python","test_cases":[{"input":"7","output":"7","type":"stdin_stdout"}]}}""",
                """{"id":"b","code":"```python\nprint(2)\n```","input_output":{"inputs":[""],"outputs":["3"]}}""",
                """{"id":"c","prompt":"def f():\n","completion":"    return 1","test":"def check(c):\n    assert c() == 1","entry_point":"f"}""",
            ]);
            var (count, passed) = await VerifyCodeCommand.RunAsync(input, output, fixture.Verifier, fixture.Sandbox.Concurrency, CancellationToken.None);
            Assert.Equal((3, 2), (count, passed));
            Assert.Equal(
            [
                """{"id":"a","status":"passed","passed":true,"tests_passed":1,"tests_total":1,"stderr_tail":""}""",
                """{"id":"b","status":"wrong_answer","passed":false,"tests_passed":0,"tests_total":1,"stderr_tail":""}""",
                """{"id":"c","status":"passed","passed":true,"tests_passed":1,"tests_total":1,"stderr_tail":""}""",
            ], File.ReadAllLines(output.FullName));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
