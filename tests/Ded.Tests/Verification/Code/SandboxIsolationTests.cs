using Ded.Tests.Support;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Ded.Verification.Code;
using Xunit;

namespace Ded.Tests.Verification.Code;

/// <summary>Real programs that try to leave the sandbox; each must be stopped and leave nothing behind.</summary>
[Collection(SandboxCollection.Name)]
public sealed class SandboxIsolationTests(SandboxFixture fixture)
{
    private static string Token() => "ded" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task NoConnectionLeavesTheSandbox()
    {
        using var listener = new TcpListener(IPAddress.Any, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var hostAddress = Dns.GetHostAddresses(Dns.GetHostName()).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork
            && !IPAddress.IsLoopback(a)) ?? IPAddress.Parse("1.1.1.1");
        var program = """
            import socket
            for host, port in [("127.0.0.1", PORT), ("HOST", PORT), ("1.1.1.1", 53), ("example.com", 80)]:
                try:
                    socket.create_connection((host, port), timeout=2).close()
                    print("connected", host)
                except OSError as e:
                    print("blocked")
            """.Replace("PORT", port.ToString()).Replace("HOST", hostAddress.ToString());
        var verdict = await fixture.RunAsync(SandboxFixture.Stdio("net", program, ("", "blocked\nblocked\nblocked\nblocked")));
        Assert.Equal(CodeStatus.Passed, verdict.Status);
        Assert.False(listener.Pending());
    }

    [Fact]
    public async Task NoFileIsCreatedOutsideItsDirectory()
    {
        var name = Token();
        var targets = new[] { "/tmp", Directory.GetCurrentDirectory(), Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), "/root", "/usr", "/dev/shm", "/var/tmp", "/" }
            .Where(d => d.Length > 0).Distinct().Select(d => Path.Combine(d, name)).ToArray();
        var program = string.Join("\n", targets.Select(t => $"""
            try:
                open("{t}", "w").write("x")
            except OSError:
                pass
            """)) + "\nopen('inside.txt', 'w').write('ok')\nprint(open('inside.txt').read())";
        var verdict = await fixture.RunAsync(SandboxFixture.Stdio("files", program, ("", "ok")));
        Assert.Equal(CodeStatus.Passed, verdict.Status);
        Assert.All(targets, t => Assert.False(File.Exists(t), t));
    }

    [Fact]
    public async Task TheCallersEnvironmentIsNotVisible()
    {
        Environment.SetEnvironmentVariable("DED_SANDBOX_TEST_SECRET", "sk-test-" + Token());
        var program = "import os\nprint(' '.join(sorted(os.environ)))";
        var verdict = await fixture.RunAsync(SandboxFixture.Stdio("env", program, ("", "HOME LANG PATH TMPDIR")));
        Assert.Equal(CodeStatus.Passed, verdict.Status);
    }

    [Fact]
    public async Task ProgramsHoldNoPrivileges()
    {
        var program = """
            import os
            for attempt in (lambda: os.setuid(0), lambda: os.chroot("/"), lambda: os.mknod("/sandbox/n", 0o600 | 0o60000, os.makedev(8, 0))):
                try:
                    attempt()
                    print("allowed")
                except OSError:
                    print("denied")
            """;
        var verdict = await fixture.RunAsync(SandboxFixture.Stdio("privileges", program, ("", "denied\ndenied\ndenied")));
        Assert.Equal(CodeStatus.Passed, verdict.Status);
    }

    [Fact]
    public async Task TheRootHoldsOnlyTheSandboxTheDevicesAndReadOnlySystemDirectories()
    {
        var system = new[] { "bin", "lib", "lib64", "sbin", "usr" }.Where(n => Path.Exists("/" + n));
        var expected = string.Join(" ", system.Concat(["dev", "sandbox", "tmp"]).Order(StringComparer.Ordinal));
        var program = "import os\nprint(' '.join(sorted(os.listdir('/'))))\nprint(' '.join(sorted(os.listdir('/dev'))))\nprint(os.getcwd(), os.listdir('.'))";
        var verdict = await fixture.RunAsync(SandboxFixture.Stdio("root", program, ("", $"{expected}\nnull random urandom zero\n/sandbox []")));
        Assert.Equal(CodeStatus.Passed, verdict.Status);
    }

    [Fact]
    public async Task ATestCannotStopTheSandboxInit()
    {
        var program = """
            import os, signal
            for s in (signal.SIGINT, signal.SIGTERM, signal.SIGSTOP, signal.SIGKILL):
                try:
                    os.kill(1, s)
                except PermissionError:
                    pass
            try:
                os.kill(-1, signal.SIGKILL)  # every process this one may signal but itself: not the init
            except ProcessLookupError:
                pass
            print("init alive")
            """;
        var verdict = await fixture.RunAsync(SandboxFixture.Stdio("init", program, ("", "init alive"), ("", "init alive")));
        Assert.Equal((CodeStatus.Passed, 2), (verdict.Status, verdict.TestsPassed));
    }

    [Fact]
    public async Task AForkBombIsContainedAndTheMachineStaysUsable()
    {
        var bomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass";
        var verdict = await fixture.RunAsync(SandboxFixture.Stdio("bomb", bomb, ("", "")));
        Assert.Equal(CodeStatus.Timeout, verdict.Status);
        Assert.Empty(SandboxProcesses());
        var after = await fixture.RunAsync(SandboxFixture.Stdio("after", "print(6 * 7)", ("", "42")));
        Assert.Equal(CodeStatus.Passed, after.Status);
    }

    [Fact]
    public async Task ADetachedChildDoesNotOutliveTheRun()
    {
        var token = Token();
        var program = $"""
            import os
            up_r, up_w = os.pipe()
            os.set_inheritable(up_w, True)
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    os.execv("/usr/bin/python3", ["python3", "-c", "import os, time; os.write(%d, b'up'); time.sleep(300)" % up_w, "{token}"])
                os._exit(0)
            os.wait()
            print(os.read(up_r, 2).decode(), "parent done")
            """;
        var verdict = await fixture.RunAsync(SandboxFixture.Stdio("detached", program, ("", "up parent done")));
        Assert.Equal(CodeStatus.Passed, verdict.Status);
        Assert.Empty(ProcessesWithArgument(token));
    }

    // A program printing megabytes on every test of a long run: the run's output budget ends it, so neither the run's
    // init nor the host holds tests × 8 MiB.
    [Fact]
    public async Task ARunsOutputIsBoundedAcrossItsTests()
    {
        var limits = SandboxFixture.Tight.Limits with { MaxOutputBytes = 2L << 20, MaxRunOutputBytes = 4L << 20 };
        var request = CodeVerifier.BuildRequest(SandboxFixture.Stdio("chatty", "print('x' * (3 << 19))",
            Enumerable.Range(0, 10).Select(_ => ("", "x")).ToArray()), limits)! with { Limits = limits with { StopAtFirstFailure = false } };
        var result = await fixture.Sandbox.RunAsync(request, CancellationToken.None);
        Assert.Equal(3, result.Tests.Count); // 1.5 MiB each: the third passes the 4 MiB budget
        Assert.True(result.Tests[^1].IsOutputTruncated);
        Assert.InRange(result.Tests.Sum(t => (long)t.Stdout.Length), 0, limits.MaxRunOutputBytes);
    }

    [Theory]
    [InlineData("x = bytearray(8 << 30)")]
    [InlineData("x = [0] * (1 << 30)")]
    [InlineData("x = ' ' * (8 << 30)")]
    public async Task AllocatingEightGigabytesIsMemoryLimit(string program)
    {
        var verdict = await fixture.RunAsync(SandboxFixture.Stdio("memory", program, ("", "")));
        Assert.Equal(CodeStatus.MemoryLimit, verdict.Status);
    }

    [Fact]
    public async Task TwoHundredCorrectProgramsAtOnceAllPass()
    {
        var tasks = Enumerable.Range(0, 200).Select(i => SandboxFixture.Stdio("many/" + i,
            "import sys\nprint(sum(int(x) for x in sys.stdin.read().split()))", ($"{i} {i}\n", (2 * i).ToString())));
        var verdicts = await Task.WhenAll(tasks.Select(t => fixture.Verifier.VerifyAsync(t, new CodeVerifyOptions(), CancellationToken.None)));
        Assert.Equal(200, verdicts.Count(v => v.Status == CodeStatus.Passed));
    }

    // As root every worker runs as its own uid (UidBase + k): a process of one left over is a leak.
    private IEnumerable<int> SandboxProcesses() => AllProcesses().Where(p =>
    {
        var uidLine = File.ReadLines($"/proc/{p}/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
        return uidLine is not null && uint.TryParse(uidLine.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], out var uid)
            && uid >= fixture.Options.UidBase && uid < fixture.Options.UidBase + (uint)fixture.Options.Workers;
    });

    internal static IEnumerable<int> ProcessesWithArgument(string token) =>
        AllProcesses().Where(p => File.ReadAllText($"/proc/{p}/cmdline").Contains(token, StringComparison.Ordinal));

    private static IEnumerable<int> AllProcesses()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
            if (int.TryParse(Path.GetFileName(dir), out var pid) && File.Exists($"/proc/{pid}/status"))
            {
                var alive = true;
                try { File.ReadAllText($"/proc/{pid}/cmdline"); } catch (IOException) { alive = false; } catch (UnauthorizedAccessException) { alive = false; }
                if (alive)
                    yield return pid;
            }
    }
}

/// <summary>The host's memory while a program floods its output: measured alone, so the heap is this test's.</summary>
[Collection(MeasuredAlone.Name)]
public sealed class SandboxOutputMemoryTests : IClassFixture<SandboxFixture>
{
    private readonly SandboxFixture fixture;

    public SandboxOutputMemoryTests(SandboxFixture fixture) => this.fixture = fixture;

    [Fact]
    public async Task TwoGigabytesOfOutputAreCutOffWithoutMemoryGrowth()
    {
        var program = "import sys\nblock = 'x' * (1 << 20)\nfor _ in range(2048):\n    sys.stdout.write(block)";
        CodeVerdict? verdict = null;
        var growth = await MeasuredAlone.PeakHeapGrowthAsync(async () => verdict = await fixture.RunAsync(SandboxFixture.Stdio("output", program, ("", ""))));
        Assert.Equal(CodeStatus.OutputLimit, verdict!.Status);
        Assert.True(growth < 256L << 20, $"the host buffered the output: its heap grew by {growth >> 20} MiB");
    }
}
