using Xunit;
using Ded.Verification.Code;

namespace Ded.Tests.Verification.Code;

/// <summary>One sandbox (one worker pool) for every test that runs programs; their classes run one at a time and
/// each fills the pool itself with many programs at once.</summary>
public sealed class SandboxFixture : IAsyncLifetime
{
    public LinuxSandboxOptions Options { get; } = new();
    public LinuxSandbox Sandbox { get; private set; } = null!;
    public CodeVerifier Verifier { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Sandbox = new LinuxSandbox(Options);
        await Sandbox.ProbeAsync(CancellationToken.None); // throws, failing every test, where the kernel refuses
        Verifier = new CodeVerifier(Sandbox);
    }

    public Task DisposeAsync()
    {
        Sandbox.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Short limits for programs that are meant to hit them.</summary>
    public static CodeVerifyOptions Tight { get; } = new()
    {
        Limits = new SandboxLimits { CpuTimePerTest = TimeSpan.FromSeconds(1), WallTimePerTest = TimeSpan.FromSeconds(3) },
    };

    public static CodeTask Stdio(string id, string program, params (string Input, string Output)[] cases) => new()
    {
        Id = id, Response = program, Tests = new StdioTests(cases.Select(c => new StdioCase(c.Input, c.Output)).ToArray()),
    };

    public Task<CodeVerdict> RunAsync(CodeTask task, CodeVerifyOptions? options = null) =>
        Verifier.VerifyAsync(task, options ?? Tight, CancellationToken.None);

    /// <summary>One stdin/stdout test of <paramref name="program"/>: the raw run (what the kernel measured) and the
    /// verdict against <paramref name="expected"/>.</summary>
    public Task<(SandboxTestRun Run, CodeStatus Status)> RunRawAsync(string program, string expected = "", SandboxLimits? limits = null) =>
        RunRawAsync(Sandbox, program, expected, limits);

    public static async Task<(SandboxTestRun Run, CodeStatus Status)> RunRawAsync(ISandbox sandbox, string program, string expected = "",
        SandboxLimits? limits = null)
    {
        var task = Stdio("raw", program, ("", expected));
        var options = limits is null ? Tight : Tight with { Limits = limits };
        var result = await sandbox.RunAsync(CodeVerifier.BuildRequest(task, options.Limits)!, CancellationToken.None);
        Assert.Null(result.Error);
        var run = Assert.Single(result.Tests);
        return (run, CodeVerifier.Classify(task.Tests, 0, run, options));
    }
}

[CollectionDefinition(Name)]
public sealed class SandboxCollection : ICollectionFixture<SandboxFixture>
{
    public const string Name = "code sandbox";
}
