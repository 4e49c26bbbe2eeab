using Ded.Verification.Code;
using Xunit;

namespace Ded.Tests.Verification.Code;

/// <summary>How raw sandbox outcomes become verdicts, through a scripted <see cref="ISandbox"/>.</summary>
public sealed class CodeVerdictJudgingTests
{
    private sealed class ScriptedSandbox(SandboxResult result) : ISandbox
    {
        public SandboxRequest? Seen { get; private set; }
        public int Concurrency => 1;

        public Task<SandboxResult> RunAsync(SandboxRequest request, CancellationToken ct)
        {
            Seen = request;
            return Task.FromResult(result);
        }
    }

    private static readonly CodeTask Doubling = new()
    {
        Id = "t", Response = "print(int(input()) * 2)", Tests = new StdioTests([new StdioCase("1", "2"), new StdioCase("2", "4")]),
    };

    private static SandboxTestRun Ok(string stdout) => new() { ExitCode = 0, Report = "ok", Stdout = stdout, StdoutBytes = stdout.Length };

    public static TheoryData<string, SandboxTestRun, CodeStatus> Runs => new()
    {
        // id, outcome of the second test (the first passed), status
        { "correct", Ok("4\n"), CodeStatus.Passed },
        { "wrong", Ok("5\n"), CodeStatus.WrongAnswer },
        { "os._exit(0) without report still compared", Ok("4") with { Report = "" }, CodeStatus.Passed },
        { "exception", new() { ExitCode = 1, Report = "exception\tValueError" }, CodeStatus.RuntimeError },
        { "MemoryError", new() { ExitCode = 1, Report = "exception\tMemoryError" }, CodeStatus.MemoryLimit },
        { "SIGXCPU", new() { Signal = 24, CpuTime = TimeSpan.FromSeconds(3) }, CodeStatus.Timeout },
        { "CPU over the exact limit", Ok("4\n") with { CpuTime = TimeSpan.FromMilliseconds(3001) }, CodeStatus.Timeout },
        { "all processes over the CPU limit", new() { Signal = 9, IsCpuTimeout = true }, CodeStatus.Timeout },
        { "slept past the wall limit", new() { Signal = 9, IsWallTimeout = true }, CodeStatus.Timeout },
        { "SIGXFSZ", new() { Signal = 25 }, CodeStatus.OutputLimit },
        { "stdout at the cap", Ok("4\n") with { StdoutBytes = 8L << 20 }, CodeStatus.OutputLimit },
        { "EFBIG caught as OSError", new() { ExitCode = 1, Report = "exception\tOSError", StderrTail = "OSError: [Errno 27] File too large" }, CodeStatus.OutputLimit },
        { "SIGSEGV", new() { Signal = 11 }, CodeStatus.RuntimeError },
    };

    [Theory]
    [MemberData(nameof(Runs))]
    public async Task ClassifiesEachOutcome(string id, SandboxTestRun second, CodeStatus status)
    {
        var sandbox = new ScriptedSandbox(new SandboxResult { Tests = [Ok("2\n"), second] });
        var verdict = await new CodeVerifier(sandbox).VerifyAsync(Doubling with { Id = id }, new CodeVerifyOptions(), CancellationToken.None);
        Assert.Equal((status, status == CodeStatus.Passed ? 2 : 1, 2), (verdict.Status, verdict.TestsPassed, verdict.TestsTotal));
        Assert.Equal(["1", "2"], sandbox.Seen!.Inputs);
    }

    [Fact]
    public async Task ASandboxFailureIsSandboxErrorNeverAVerdictOnTheProgram()
    {
        var sandbox = new ScriptedSandbox(new SandboxResult { Tests = [], Error = "sandbox setup failed: mount tmpfs on /tmp: Operation not permitted" });
        var verdict = await new CodeVerifier(sandbox).VerifyAsync(Doubling, new CodeVerifyOptions(), CancellationToken.None);
        Assert.Equal((CodeStatus.SandboxError, 0, 2), (verdict.Status, verdict.TestsPassed, verdict.TestsTotal));
        Assert.Equal("sandbox setup failed: mount tmpfs on /tmp: Operation not permitted", verdict.StderrTail);
    }

    [Fact]
    public async Task MissingResultsAreSandboxError()
    {
        var sandbox = new ScriptedSandbox(new SandboxResult { Tests = [Ok("2\n")] });
        var verdict = await new CodeVerifier(sandbox).VerifyAsync(Doubling, new CodeVerifyOptions(), CancellationToken.None);
        Assert.Equal(CodeStatus.SandboxError, verdict.Status);
    }

    [Fact]
    public async Task NoCodeNeverReachesTheSandbox()
    {
        var sandbox = new ScriptedSandbox(new SandboxResult { Tests = [] });
        var verdict = await new CodeVerifier(sandbox).VerifyAsync(Doubling with { Response = "<think>still thinking" }, new CodeVerifyOptions(), CancellationToken.None);
        Assert.Equal((CodeStatus.NoCode, 2), (verdict.Status, verdict.TestsTotal));
        Assert.Null(sandbox.Seen);
    }

    [Fact]
    public void AMissingToolFailsLoudly()
    {
        var e = Assert.Throws<SandboxUnavailableException>(() => new LinuxSandbox(new LinuxSandboxOptions { PythonPath = "/nonexistent/python3" }));
        Assert.StartsWith("/nonexistent/python3 not found", e.Message);
    }

    [Fact]
    public async Task AToolThatDoesNotIsolateFailsTheProbe()
    {
        using var sandbox = new LinuxSandbox(new LinuxSandboxOptions { UnsharePath = "/bin/false" });
        var e = await Assert.ThrowsAsync<SandboxUnavailableException>(() => sandbox.ProbeAsync(CancellationToken.None));
        Assert.StartsWith("the sandbox cannot start here: sandbox worker ended (exit 1)", e.Message);
    }
}
