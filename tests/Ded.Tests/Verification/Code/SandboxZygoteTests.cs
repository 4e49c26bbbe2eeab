using System.Runtime.InteropServices;
using Ded.Verification.Code;
using Xunit;

namespace Ded.Tests.Verification.Code;

/// <summary>Every run is forked from a worker's pre-started zygote: nothing one run does may reach the next one on
/// the same worker, and the zygote must not carry the caller's keyring inside.</summary>
[Collection(SandboxCollection.Name)]
public sealed class SandboxZygoteTests(SandboxFixture fixture)
{
    // One worker, so that consecutive runs share a zygote; its uids are apart from the fixture's.
    private LinuxSandbox OneWorker(int uidOffset) =>
        new(fixture.Options with { Workers = 1, UidBase = fixture.Options.UidBase + (uint)uidOffset });

    [Fact]
    public async Task ARunLeavesNothingForTheNextOne()
    {
        var token = "ded" + Guid.NewGuid().ToString("N")[..12];
        using var sandbox = OneWorker(64);
        await sandbox.ProbeAsync(CancellationToken.None);
        var pollute = $$"""
            import builtins, ctypes, os, resource, signal, socket, subprocess, sys
            open("/sandbox/left.txt", "w").write("x")
            os.environ["LEFT"] = "1"
            import fractions, json
            builtins.len = lambda x: 42
            sys.modules["math"] = None
            sys.left = True
            os.umask(0)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            for _ in range(20):  # pids the next run would start from, if the pid namespace were not reset
                if os.fork() == 0:
                    os._exit(0)
            a, b = socket.socketpair(socket.AF_UNIX)
            socket.send_fds(a, [b"x"], [a.fileno(), b.fileno()])  # a cycle only the kernel's GC frees
            try:
                socket.socket(socket.AF_UNIX).bind("\0{{token}}")  # a name the next run could look for
            except PermissionError:
                pass
            up_r, up_w = os.pipe()
            subprocess.Popen(["/usr/bin/python3", "-c", "import os, time; os.write(%d, b'up'); time.sleep(300)" % up_w, "{{token}}"],
                             start_new_session=True, pass_fds=[up_w])
            resource.setrlimit(resource.RLIMIT_NOFILE, (8, 64))
            print(os.read(up_r, 2).decode())
            """;
        var inspect = $$"""
            import builtins, os, resource, signal, socket, sys
            import math
            try:
                socket.socket(socket.AF_UNIX).connect("\0{{token}}")
                name = "reached"
            except PermissionError:
                name = "denied"
            print(os.listdir("/sandbox"), "LEFT" in os.environ, "fractions" in sys.modules, "json" in sys.modules,
                  len("ab"), math.sqrt(4), hasattr(sys, "left"), oct(os.umask(0o22)),
                  signal.getsignal(signal.SIGTERM) == signal.SIG_DFL, resource.getrlimit(resource.RLIMIT_NOFILE), name,
                  os.getpid())
            """;
        var first = await SandboxFixture.RunRawAsync(sandbox, pollute, "up");
        var second = await SandboxFixture.RunRawAsync(sandbox, inspect);
        Assert.Equal(("up", CodeStatus.Passed), (first.Run.Stdout.Trim(), first.Status)); // its daemon was running
        Assert.Equal("[] False False False 2 2.0 False 0o22 True (64, 64) denied 2", second.Run.Stdout.Trim());
        Assert.Empty(SandboxIsolationTests.ProcessesWithArgument(token));
    }

    // Whether head + rest is anywhere in this process's memory, freed memory included: pages around a small and a
    // large allocation and a Python object, each probed with a 1-byte write to a pipe (EFAULT, not a crash, where
    // unmapped). The two halves are looked for one after the other, so the scan never holds the whole needle itself.
    internal const string MemoryScanner = """
        def in_memory(head, rest, span=96 << 20):
            import ctypes, os
            libc = ctypes.CDLL(None)
            r, w = os.pipe()
            small, large = ctypes.create_string_buffer(64), ctypes.create_string_buffer(1 << 20)
            anchors = (ctypes.addressof(small), ctypes.addressof(large), id([]))
            ranges = sorted(((a & ~4095) - span, (a & ~4095) + span) for a in anchors)
            head, rest, tail, last = head.encode(), rest.encode(), b"", -1
            for lo, hi in ranges:
                for page in range(max(lo, last + 4096, 4096), hi, 4096):
                    last = page
                    if libc.write(w, ctypes.c_void_p(page), 1) != 1:
                        tail = b""
                        continue
                    os.read(r, 1)
                    data = tail + ctypes.string_at(page, 4096)
                    at = data.find(head)
                    while at >= 0:
                        if data[at + len(head):at + len(head) + len(rest)] == rest:
                            return True
                        at = data.find(head, at + 1)
                    tail = data[-(len(head) + len(rest)):]
            return False

        """;

    // The zygote never reads a job (freed memory keeps what it held, and every run is a fork of it): a run finds its
    // own program in its memory, and nothing of the run before it on the same worker.
    [Fact]
    public async Task ARunCannotReadTheRunBeforeIt()
    {
        var (before, mine) = (Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("N"));
        using var sandbox = OneWorker(128);
        await sandbox.ProbeAsync(CancellationToken.None);
        var first = await SandboxFixture.RunRawAsync(sandbox, $"secret = 'ded{before}'\nprint(len(secret))", "35");
        var second = await SandboxFixture.RunRawAsync(sandbox, MemoryScanner
            + $"mine = 'ded{mine}'\nprint(in_memory('ded', '{mine}'), in_memory('ded', '{before}'))", "True False");
        Assert.Equal(CodeStatus.Passed, first.Status);
        Assert.Equal(("True False", CodeStatus.Passed), (second.Run.Stdout.Trim(), second.Status));
    }

    // Issue 1: sandbox processes kept the caller's session keyring across setresuid. Credentials (keyrings among them)
    // are per thread: this thread joins a keyring of its own with a canary key, then starts the sandbox's worker.
    [Fact]
    public void TheCallersSessionKeyringIsNotInside()
    {
        var token = "ded" + Guid.NewGuid().ToString("N")[..12];
        (string Stdout, CodeStatus Status, long[] KeysAfter) outcome = default;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                outcome = RunWithACanaryKey(token);
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        Assert.Null(failure);
        Assert.Equal(("-1 -1 b''", CodeStatus.Passed), (outcome.Stdout, outcome.Status));
        Assert.Single(outcome.KeysAfter); // the canary only: nothing was planted
    }

    private (string Stdout, CodeStatus Status, long[] KeysAfter) RunWithACanaryKey(string token)
    {
        var keyring = Keyctl(KeyctlJoinSessionKeyring, token);
        var canary = AddKey("user", token, "secret-" + token, KeySpecSessionKeyring);
        if (keyring <= 0 || canary <= 0)
            throw new InvalidOperationException("the kernel refused a session keyring: errno " + Marshal.GetLastPInvokeError());
        using var sandbox = OneWorker(96);
        sandbox.ProbeAsync(CancellationToken.None).GetAwaiter().GetResult(); // the worker starts on this thread
        var program = $$"""
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            nr = ctypes.CDLL("libseccomp.so.2").seccomp_syscall_resolve_name
            buffer = ctypes.create_string_buffer(256)
            read = libc.syscall(nr(b"keyctl"), 11, {{canary}}, buffer, 256)
            add = libc.syscall(nr(b"add_key"), b"user", b"planted", b"x", 1, -3)
            print(read, add, buffer.value)
            """;
        var (run, status) = SandboxFixture.RunRawAsync(sandbox, program, "-1 -1 b''").GetAwaiter().GetResult();
        return (run.Stdout.Trim(), status, SessionKeys());
    }

    // A run the caller abandons takes its worker's zygote with it; the next run gets a fresh one.
    [Fact]
    public async Task ACancelledRunIsKilledAndTheWorkerRecovers()
    {
        var token = "ded" + Guid.NewGuid().ToString("N")[..12];
        using var sandbox = OneWorker(112);
        await sandbox.ProbeAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var request = CodeVerifier.BuildRequest(SandboxFixture.Stdio("sleeper", $"import os\nos.execv('/usr/bin/python3', ['python3', '-c', 'import time; time.sleep(30)', '{token}'])", ("", "")),
            SandboxFixture.Tight.Limits with { WallTimePerTest = TimeSpan.FromSeconds(20) })!;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sandbox.RunAsync(request, cancel.Token));
        Assert.Empty(SandboxIsolationTests.ProcessesWithArgument(token));
        var (_, status) = await SandboxFixture.RunRawAsync(sandbox, "print(6 * 7)", "42");
        Assert.Equal(CodeStatus.Passed, status);
    }

    private const int KeyctlJoinSessionKeyring = 1, KeyctlReadKeyring = 11;
    private const long KeySpecSessionKeyring = -3;

    private static long[] SessionKeys()
    {
        var ids = new int[64];
        var bytes = KeyctlRead(KeySpecSessionKeyring, ids, ids.Length * 4);
        return ids.Take((int)System.Math.Max(0, bytes) / 4).Select(i => (long)i).ToArray();
    }

    private static long Keyctl(int operation, string name) => syscall(SysKeyctl, operation, name);

    private static long AddKey(string type, string description, string payload, long keyring) =>
        syscall(SysAddKey, type, description, payload, payload.Length, keyring);

    private static long KeyctlRead(long keyring, int[] buffer, int length) => syscall(SysKeyctl, KeyctlReadKeyring, keyring, buffer, length);

    private const long SysKeyctl = 250, SysAddKey = 248; // x86_64

    [DllImport("libc", SetLastError = true)]
    private static extern long syscall(long number, long operation, string name);

    [DllImport("libc", SetLastError = true)]
    private static extern long syscall(long number, string type, string description, string payload, long length, long keyring);

    [DllImport("libc", SetLastError = true)]
    private static extern long syscall(long number, long operation, long keyring, int[] buffer, long length);
}
