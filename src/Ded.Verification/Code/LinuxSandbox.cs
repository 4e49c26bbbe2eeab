using System.Diagnostics;
using System.Runtime.InteropServices;
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

/// <summary>Runs Python in a sandbox: per worker, a pre-started zygote that is pid 1 of its own net, ipc, uts, pid and
/// mount namespaces over a read-only minimal root; per run, a reset (no process left, pids from 2, a fresh session
/// keyring, time namespace and tmpfs); per test, a fork of the zygote's pristine state with an unprivileged uid (or no
/// capabilities when not root), a seccomp filter, and cgroups bounding memory, processes and CPU time of all its
/// processes together. Isolation costs no interpreter start. Exactly what is isolated: docs/sandbox.md.</summary>
public sealed class LinuxSandbox : ISandbox, IDisposable
{
    // The host's own deadline only catches a sandbox that stopped working: pid 1 enforces the limits per test
    // (net of time queued for a CPU), so this one is loose enough for a machine loaded several times over.
    private static readonly TimeSpan StartupBudget = TimeSpan.FromSeconds(30);
    private const int LoadAllowance = 10;
    private const int ProtocolSlackBytes = 1 << 20;

    private readonly LinuxSandboxOptions _options;
    private readonly Channel<int> _freeWorkers;
    private readonly SandboxZygote?[] _zygotes;
    private readonly bool _isRoot;
    private readonly string _initScript;
    private bool _disposed;

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
        _zygotes = new SandboxZygote?[_options.Workers];
        _freeWorkers = Channel.CreateBounded<int>(_options.Workers);
        for (var k = 0; k < _options.Workers; k++)
            _freeWorkers.Writer.TryWrite(k);
    }

    public int Concurrency => _options.Workers;

    /// <summary>What bounds a whole run here (cgroup v2, v1, or only rlimits); known once a worker has started.</summary>
    public SandboxContainment? Containment => _zygotes.FirstOrDefault(z => z?.Containment is not null)?.Containment;

    /// <summary>Starts every worker (on the calling thread, before the first await) and runs a trivial program;
    /// throws <see cref="SandboxUnavailableException"/> with the kernel's refusal (no user namespaces, mount denied,
    /// no libseccomp...) so callers fail before verifying anything.</summary>
    public Task ProbeAsync(CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var workers = Enumerable.Range(0, _options.Workers).Select(Worker).ToArray();
        return Probe();

        async Task Probe()
        {
            try
            {
                foreach (var zygote in workers)
                    await zygote.Ready.WaitAsync(ct).ConfigureAwait(false);
            }
            catch (SandboxUnavailableException e)
            {
                throw Unavailable(e.Message);
            }
            var result = await RunAsync(new SandboxRequest
            {
                Mode = SandboxMode.Stdio, Code = "print(input())", Inputs = ["probe"], Limits = new SandboxLimits(),
            }, ct).ConfigureAwait(false);
            if (result.Error is not null || result.Tests is not [{ ExitCode: 0, Stdout: "probe\n" }])
                throw Unavailable(result.Error ?? "probe gave wrong output");
        }
    }

    private SandboxUnavailableException Unavailable(string reason) => new("the sandbox cannot start here: " + reason
        + (_isRoot ? "" : " (not root: the kernel must allow unprivileged user namespaces)"));

    // The worker's zygote, started here if it is not running.
    private SandboxZygote Worker(int k)
    {
        lock (_zygotes)
            return _zygotes[k] ??= SandboxZygote.Start(StartInfo());
    }

    public async Task<SandboxResult> RunAsync(SandboxRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(_disposed, this);
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
        var zygote = Worker(worker);
        var cap = ResultCap(request);
        var job = SandboxJob.Serialize(request, _isRoot ? _options.UidBase + (uint)worker : 0u);
        var deadline = request.Limits.WallTimePerTest * LoadAllowance * System.Math.Max(1, request.Inputs.Count) + StartupBudget;
        try
        {
            return await zygote.RunAsync(job, cap, deadline, ct).ConfigureAwait(false);
        }
        finally
        {
            if (zygote.IsBroken)
                Retire(worker);
        }
    }

    private void Retire(int worker)
    {
        SandboxZygote? zygote;
        lock (_zygotes)
            (zygote, _zygotes[worker]) = (_zygotes[worker], null);
        zygote?.Dispose();
    }

    /// <summary>Ends every worker and removes its cgroups; a run in flight is killed.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        for (var k = 0; k < _zygotes.Length; k++)
            Retire(k);
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
        // The zygote's namespaces, shared by its runs one after another (each run gets a fresh time namespace).
        foreach (var arg in new[] { "--mount", "--pid", "--net", "--ipc", "--uts", "--fork", "--kill-child", "--",
                     _options.PythonPath, "-I", "-S", "-c", _initScript })
            psi.ArgumentList.Add(arg);
        return psi;
    }

    // A run sends at most MaxRunOutputBytes of stdout and reports, and per test a stderr tail.
    private static long ResultCap(SandboxRequest r) =>
        r.Limits.MaxRunOutputBytes + r.Inputs.Count * (long)r.Limits.StderrTailBytes + ProtocolSlackBytes;

    private static string LoadInitScript()
    {
        using var stream = typeof(LinuxSandbox).Assembly.GetManifestResourceStream("Ded.Verification.Code.sandbox_init.py")
            ?? throw new InvalidOperationException("sandbox_init.py is not embedded in Ded.Verification.dll: rebuild the project");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [DllImport("libc", SetLastError = false)]
    private static extern uint geteuid();
}

/// <summary>A facility the sandbox needs is missing; nothing was run unsandboxed.</summary>
public sealed class SandboxUnavailableException(string message) : Exception(message);
