using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Ded.Verification.Code;

/// <summary>Which mechanism bounds a whole run (all its processes together) per resource; null where only the
/// per-process rlimits do (docs/sandbox.md, "Fallback").</summary>
public sealed record SandboxContainment(string? Memory, string? Processes, string? CpuTime)
{
    public override string ToString() =>
        $"memory: {Memory ?? "rlimit per process"}, processes: {Processes ?? "rlimit per uid"}, cpu time: {CpuTime ?? "procfs sum"}";
}

/// <summary>One worker's pre-started sandbox: `unshare` + sandbox_init.py, which builds the root, cgroups and seccomp
/// filter once, then per job frame resets what a run could leave and forks one isolated process per test, answering
/// each test as it ends. Not thread-safe: one run at a time.</summary>
internal sealed class SandboxZygote : IDisposable
{
    private const int SetupFailedExit = 125; // sandbox_init.py's exit code when an isolation step fails
    private static readonly TimeSpan ReadyBudget = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly Task<string> _stderr;
    private readonly LineReader _stdout;
    private IReadOnlyList<string> _cgroups = [];

    private SandboxZygote(Process process)
    {
        _process = process;
        _stdout = new LineReader(process.StandardOutput.BaseStream);
        _stderr = ReadTailAsync(process.StandardError.BaseStream, 16 << 10);
        Ready = ReadReadyLineAsync();
    }

    public SandboxContainment? Containment { get; private set; }

    /// <summary>Set once a run left the protocol in an unknown state: the owner disposes it and starts another.</summary>
    public bool IsBroken { get; private set; }

    /// <summary>Completes when the zygote is ready; faults with <see cref="SandboxUnavailableException"/> carrying
    /// the kernel's refusal.</summary>
    public Task Ready { get; }

    /// <summary>Starts the process on the calling thread (it inherits that thread's credentials and keyrings).</summary>
    public static SandboxZygote Start(ProcessStartInfo startInfo) =>
        new(Process.Start(startInfo) ?? throw new SandboxUnavailableException("unshare did not start"));

    private async Task ReadReadyLineAsync()
    {
        using var budget = new CancellationTokenSource(ReadyBudget);
        byte[]? line;
        try
        {
            line = await _stdout.ReadLineAsync(1 << 20, budget.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            line = null;
        }
        if (line is null)
            throw new SandboxUnavailableException(await ExitReasonAsync().ConfigureAwait(false));
        try
        {
            using var doc = JsonDocument.Parse(line);
            var ready = doc.RootElement.GetProperty("ready");
            Containment = new SandboxContainment(Mechanism(ready, "memory"), Mechanism(ready, "pids"), Mechanism(ready, "cpuacct"));
            _cgroups = doc.RootElement.GetProperty("cgroups").EnumerateArray().Select(e => e.GetString()!).ToArray();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            Kill();
            throw new SandboxUnavailableException("the sandbox worker did not say it was ready: " + e.Message);
        }
    }

    private static string? Mechanism(JsonElement ready, string name) =>
        ready.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>Sends one job frame (<see cref="SandboxJob"/>) and reads the answer of each test. A run past
    /// <paramref name="deadline"/> (the sandbox itself stuck) or over <paramref name="resultCap"/> bytes kills the
    /// worker and marks it broken.</summary>
    public async Task<SandboxResult> RunAsync(byte[] job, long resultCap, TimeSpan deadline, CancellationToken ct)
    {
        try
        {
            await Ready.ConfigureAwait(false);
        }
        catch (SandboxUnavailableException e)
        {
            Break();
            return Failed(e.Message);
        }
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(ct);
        budget.CancelAfter(deadline);
        try
        {
            var stdin = _process.StandardInput.BaseStream;
            await stdin.WriteAsync(job, budget.Token).ConfigureAwait(false);
            await stdin.FlushAsync(budget.Token).ConfigureAwait(false);
            return await ReadAnswersAsync(resultCap, budget.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Break();
            ct.ThrowIfCancellationRequested();
            return new SandboxResult { Tests = [], IsWallTimeout = true };
        }
        catch (Exception e) when (e is IOException or JsonException or KeyNotFoundException or InvalidOperationException
            or FormatException)
        {
            Break();
            return Failed("sandbox protocol broken: " + e.Message);
        }
    }

    private async Task<SandboxResult> ReadAnswersAsync(long cap, CancellationToken ct)
    {
        var tests = new List<SandboxTestRun>();
        while (true)
        {
            var line = await _stdout.ReadLineAsync(1 << 16, ct).ConfigureAwait(false);
            switch (line is null ? null : SandboxJob.ParseAnswer(line))
            {
                case null:
                    Break();
                    return Failed(_stdout.IsOverCap ? "sandbox answer unreadable" : await ExitReasonAsync().ConfigureAwait(false));
                case SandboxJob.ErrorAnswer error:
                    Break(); // the worker ends after an error
                    return Failed(error.Message);
                case SandboxJob.DoneAnswer:
                    return new SandboxResult { Tests = tests };
                case SandboxJob.TestAnswer test:
                    if (test.BlobSizes.Length != 3 || test.BlobSizes.Any(b => b < 0) || (cap -= test.BlobSizes.Sum()) < 0)
                    {
                        Break();
                        return Failed("sandbox result over its size cap");
                    }
                    var blobs = new List<byte[]>();
                    foreach (var size in test.BlobSizes)
                        blobs.Add(await _stdout.ReadExactlyAsync((int)size, ct).ConfigureAwait(false));
                    var run = SandboxJob.WithOutput(test.Run, blobs);
                    if (test.IsSetupFailure) // the test process could not be isolated: its report says why
                        return Failed(run.Report.Length > 13 ? run.Report[13..] : "sandbox setup failed in a test process");
                    tests.Add(run);
                    break;
            }
        }
    }

    private static SandboxResult Failed(string error) => new() { Tests = [], Error = error };

    private void Break()
    {
        IsBroken = true;
        Kill();
    }

    private async Task<string> ExitReasonAsync()
    {
        if (!_process.WaitForExit(TimeSpan.FromSeconds(5)))
            Kill();
        var stderr = await _stderr.ConfigureAwait(false);
        return _process.HasExited && _process.ExitCode == SetupFailedExit && stderr.Length > 0
            ? stderr
            : $"sandbox worker ended (exit {(_process.HasExited ? _process.ExitCode.ToString() : "?")}): {stderr}";
    }

    private void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true); // unshare --kill-child takes the zygote, and with it every run
        }
        catch (InvalidOperationException)
        {
            // already exited
        }
    }

    /// <summary>Closes stdin (the zygote removes its cgroups and exits), kills it if it does not, then removes what a
    /// killed zygote left.</summary>
    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // the zygote is gone already
        }
        if (!_process.WaitForExit(TimeSpan.FromSeconds(5)))
            Kill();
        _process.WaitForExit(TimeSpan.FromSeconds(5));
        RemoveCgroups();
        _process.Dispose();
    }

    // A killed zygote cannot remove its cgroups; its processes may take a moment to leave them.
    private void RemoveCgroups()
    {
        for (var attempt = 0; attempt < 20 && _cgroups.Any(Directory.Exists); attempt++)
        {
            foreach (var path in _cgroups.Where(Directory.Exists))
                _ = rmdir(path);
            if (_cgroups.Any(Directory.Exists))
                Thread.Sleep(50);
        }
    }

    private static async Task<string> ReadTailAsync(Stream stream, int limit)
    {
        var tail = new List<byte>();
        var chunk = new byte[4096];
        int n;
        while ((n = await stream.ReadAsync(chunk).ConfigureAwait(false)) > 0)
        {
            tail.AddRange(chunk.AsSpan(0, n));
            if (tail.Count > limit)
                tail.RemoveRange(0, tail.Count - limit);
        }
        return Encoding.UTF8.GetString(tail.ToArray()).Trim();
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int rmdir(string path);

    /// <summary>Newline-framed reads with a cap, and the exact-size output that follows a test's line.</summary>
    private sealed class LineReader(Stream stream)
    {
        private byte[] _buffer = new byte[64 << 10];
        private int _start, _end;

        public bool IsOverCap { get; private set; }

        /// <summary>The next line without its newline; null at end of stream or past <paramref name="cap"/> bytes.</summary>
        public async Task<byte[]?> ReadLineAsync(long cap, CancellationToken ct)
        {
            var scanned = 0;
            while (true)
            {
                var newline = Array.IndexOf(_buffer, (byte)'\n', _start + scanned, _end - _start - scanned);
                if (newline >= 0)
                {
                    var line = _buffer.AsSpan(_start, newline - _start).ToArray();
                    _start = newline + 1;
                    return line;
                }
                scanned = _end - _start;
                if (scanned > cap)
                {
                    IsOverCap = true;
                    return null;
                }
                MakeRoom();
                var n = await stream.ReadAsync(_buffer.AsMemory(_end), ct).ConfigureAwait(false);
                if (n == 0)
                    return null;
                _end += n;
            }
        }

        /// <summary>Exactly <paramref name="size"/> bytes; <see cref="EndOfStreamException"/> if the stream ends first.</summary>
        public async Task<byte[]> ReadExactlyAsync(int size, CancellationToken ct)
        {
            var data = new byte[size];
            var buffered = System.Math.Min(size, _end - _start);
            _buffer.AsSpan(_start, buffered).CopyTo(data);
            _start += buffered;
            await stream.ReadExactlyAsync(data.AsMemory(buffered), ct).ConfigureAwait(false);
            return data;
        }

        private void MakeRoom()
        {
            if (_start > 0)
            {
                Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
                (_end, _start) = (_end - _start, 0);
            }
            if (_end == _buffer.Length)
                Array.Resize(ref _buffer, _buffer.Length * 2);
        }
    }
}
