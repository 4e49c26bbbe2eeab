using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Threading.Channels;

namespace Ded.Verification.Code;

/// <summary>Options of <see cref="LinuxSandbox"/>: the tools it runs and the worker pool.</summary>
public sealed record LinuxSandboxOptions
{
    public int Workers { get; init; } = Environment.ProcessorCount; // one busy program per core
    public string PythonPath { get; init; } = "/usr/bin/python3"; // Debian's, not a shim: 10x faster start
    public string UnsharePath { get; init; } = "/usr/bin/unshare"; // util-linux
    /// <summary>As root, worker k runs as uid/gid UidBase + k. RLIMIT_NPROC counts per uid across the machine, so
    /// the default spreads processes of different test runs apart (2e9 + 256 * (pid mod 1e6)), far above real users.</summary>
    public uint UidBase { get; init; } = 2_000_000_000u + 256u * (uint)(Environment.ProcessId % 1_000_000);
}

/// <summary>Runs Python under fresh Linux namespaces (net, mount, pid, ipc, uts) with a read-only minimal root, an
/// unprivileged uid (or a capability-less user namespace when not root), rlimits, and one forked process per test.
/// Exactly what is isolated: docs/sandbox.md.</summary>
public sealed class LinuxSandbox : ISandbox
{
    private const int SetupFailedExit = 125; // sandbox_init.py's exit code when any isolation step fails
    private const int ProtocolSlackBytes = 1 << 20;
    // The host's own deadline only catches a sandbox that stopped working: pid 1 enforces the limits per test
    // (net of time queued for a CPU), so this one is loose enough for a machine loaded several times over.
    private static readonly TimeSpan StartupBudget = TimeSpan.FromSeconds(30);
    private const int LoadAllowance = 10;

    private readonly LinuxSandboxOptions _options;
    private readonly Channel<int> _freeWorkers;
    private readonly bool _isRoot;
    private readonly string _initScript;

    /// <summary>Checks that the tools exist. Throws <see cref="PlatformNotSupportedException"/> when not on Linux
    /// and <see cref="SandboxUnavailableException"/> when a tool is missing; see <see cref="ProbeAsync"/> for the rest.</summary>
    public LinuxSandbox(LinuxSandboxOptions? options = null)
    {
        _options = options ?? new LinuxSandboxOptions();
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("the code sandbox needs Linux namespaces; run `ded verify code` on Linux");
        foreach (var tool in new[] { _options.PythonPath, _options.UnsharePath })
            if (!File.Exists(tool))
                throw new SandboxUnavailableException($"{tool} not found: install it (Debian: python3, util-linux) or set LinuxSandboxOptions");
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.Workers, 1);
        _isRoot = geteuid() == 0;
        _initScript = LoadInitScript();
        _freeWorkers = Channel.CreateBounded<int>(_options.Workers);
        for (var k = 0; k < _options.Workers; k++)
            _freeWorkers.Writer.TryWrite(k);
    }

    public int Concurrency => _options.Workers;

    /// <summary>Runs a trivial program; throws <see cref="SandboxUnavailableException"/> with the kernel's refusal
    /// (no user namespaces, mount denied...) so callers fail before verifying anything.</summary>
    public async Task ProbeAsync(CancellationToken ct)
    {
        var result = await RunAsync(new SandboxRequest
        {
            Mode = SandboxMode.Stdio, Code = "print(input())", Inputs = ["probe"], Limits = new SandboxLimits(),
        }, ct).ConfigureAwait(false);
        if (result.Error is not null || result.Tests is not [{ ExitCode: 0, Stdout: "probe\n" }])
            throw new SandboxUnavailableException("the sandbox cannot start here: " + (result.Error ?? "probe gave wrong output")
                + (_isRoot ? "" : " (not root: the kernel must allow unprivileged user namespaces)"));
    }

    public async Task<SandboxResult> RunAsync(SandboxRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var worker = await _freeWorkers.Reader.ReadAsync(ct).ConfigureAwait(false);
        try
        {
            return await RunOnWorkerAsync(request, worker, ct).ConfigureAwait(false);
        }
        finally
        {
            _freeWorkers.Writer.TryWrite(worker);
        }
    }

    private async Task<SandboxResult> RunOnWorkerAsync(SandboxRequest request, int worker, CancellationToken ct)
    {
        var job = SandboxJob.Serialize(request, _isRoot ? _options.UidBase + (uint)worker : 0u);
        using var process = Process.Start(StartInfo()) ?? throw new SandboxUnavailableException("unshare did not start");
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(ct);
        budget.CancelAfter(request.Limits.WallTimePerTest * LoadAllowance * System.Math.Max(1, request.Inputs.Count) + StartupBudget);
        try
        {
            var stdout = ReadCappedAsync(process.StandardOutput.BaseStream, ResultCap(request), budget.Token);
            var stderr = ReadCappedAsync(process.StandardError.BaseStream, 16 << 10, budget.Token);
            await WriteJobAsync(process, job, budget.Token).ConfigureAwait(false);
            var (output, outputComplete) = await stdout.ConfigureAwait(false);
            if (!outputComplete)
            {
                Kill(process);
                return new SandboxResult { Tests = [], Error = "sandbox result over its size cap" };
            }
            var (errors, _) = await stderr.ConfigureAwait(false);
            await process.WaitForExitAsync(budget.Token).ConfigureAwait(false);
            return Interpret(process.ExitCode, output, errors);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            Kill(process); // unshare --kill-child takes the namespace's init, and with it every process inside
            ct.ThrowIfCancellationRequested();
            if (e is IOException)
                return new SandboxResult { Tests = [], Error = "sandbox pipe failed: " + e.Message };
            return new SandboxResult { Tests = [], IsWallTimeout = true };
        }
    }

    private static async Task WriteJobAsync(Process process, byte[] job, CancellationToken ct)
    {
        try
        {
            await process.StandardInput.BaseStream.WriteAsync(job, ct).ConfigureAwait(false);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // the sandbox ended before reading its job; its exit code and stderr say why (see Interpret)
        }
    }

    private static SandboxResult Interpret(int exitCode, byte[] output, byte[] errors)
    {
        var errorText = System.Text.Encoding.UTF8.GetString(errors).Trim();
        if (exitCode != 0)
            return new SandboxResult
            {
                Tests = [], Error = exitCode == SetupFailedExit ? errorText : $"sandbox init exited {exitCode}: {errorText}",
            };
        try
        {
            return new SandboxResult { Tests = SandboxJob.ParseResult(output) };
        }
        catch (JsonException e)
        {
            return new SandboxResult { Tests = [], Error = "sandbox result unreadable: " + e.Message };
        }
    }

    private ProcessStartInfo StartInfo()
    {
        var psi = new ProcessStartInfo(_options.UnsharePath)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            UseShellExecute = false, WorkingDirectory = "/",
        };
        psi.Environment.Clear(); // the caller's variables (API keys) never reach the sandbox
        psi.Environment["PATH"] = "/usr/bin:/bin";
        psi.Environment["HOME"] = "/sandbox";
        psi.Environment["TMPDIR"] = "/sandbox";
        psi.Environment["LANG"] = "C.UTF-8";
        if (!_isRoot)
        {
            psi.ArgumentList.Add("--user");
            psi.ArgumentList.Add("--map-root-user");
        }
        foreach (var arg in new[] { "--net", "--mount", "--pid", "--ipc", "--uts", "--cgroup", "--fork", "--kill-child", "--",
                     _options.PythonPath, "-I", "-S", "-c", _initScript })
            psi.ArgumentList.Add(arg);
        return psi;
    }

    // Each test returns at most MaxOutputBytes of stdout and of its report, JSON-escaped (<= 6 bytes a byte).
    private static long ResultCap(SandboxRequest r) =>
        r.Inputs.Count * (12 * r.Limits.MaxOutputBytes + 6L * r.Limits.StderrTailBytes + 512) + ProtocolSlackBytes;

    private static async Task<(byte[] Bytes, bool Complete)> ReadCappedAsync(Stream stream, long cap, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[64 << 10];
        int n;
        while ((n = await stream.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > cap)
                return (buffer.ToArray(), false);
            buffer.Write(chunk, 0, n);
        }
        return (buffer.ToArray(), true);
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already exited
        }
    }

    private static string LoadInitScript()
    {
        using var stream = typeof(LinuxSandbox).Assembly.GetManifestResourceStream("Ded.Verification.Code.sandbox_init.py")
            ?? throw new InvalidOperationException("sandbox_init.py is not embedded in Ded.dll: rebuild the project");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [DllImport("libc", SetLastError = false)]
    private static extern uint geteuid();
}

/// <summary>A facility the sandbox needs is missing; nothing was run unsandboxed.</summary>
public sealed class SandboxUnavailableException(string message) : Exception(message);
