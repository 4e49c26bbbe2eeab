using System.Diagnostics;
using System.Runtime.InteropServices;
using Ded.Verification.Code;

namespace Ded.Cli.Bench;

/// <summary>`ded bench sandbox`: isolated runs per second, for a trivial program and for HumanEval's canonical
/// solutions (each run: fresh namespaces, read-only root, dropped privileges, rlimits, one forked test).</summary>
internal static class SandboxBench
{
    private const int TrivialRuns = 400;

    public static BenchDefinition Definition { get; } = new("sandbox",
        "Sandboxed Python runs per second: a trivial program, then HumanEval's 164 canonical solutions.", RunAsync);

    private static async Task<IReadOnlyDictionary<string, object>> RunAsync(TextWriter output, CancellationToken ct)
    {
        using var sandbox = new LinuxSandbox();
        await sandbox.ProbeAsync(ct);
        var verifier = new CodeVerifier(sandbox);
        var trivial = Enumerable.Range(0, TrivialRuns).Select(i => new CodeTask
        {
            Id = "trivial/" + i, Response = "print(int(input()) + 1)", Tests = new StdioTests([new StdioCase(i.ToString(), (i + 1).ToString())]),
        }).ToArray();
        var loadBefore = LoadAverage();
        var trivialRun = await MeasureAsync(verifier, trivial, ct);
        var humanEval = LoadHumanEval();
        var humanEvalRun = await MeasureAsync(verifier, humanEval, ct);
        var cores = Environment.ProcessorCount;
        output.WriteLine($"{"workload",-28} {"runs",6} {"passed",7} {"runs/s",8} {"cpu ms/run",11} {"cores/cpu-ms",13}");
        foreach (var (name, count, run) in new[] { ("trivial (stdin -> stdout)", trivial.Length, trivialRun), ("humaneval canonical", humanEval.Length, humanEvalRun) })
            output.WriteLine($"{name,-28} {count,6} {run.Passed,7} {run.PerSecond,8:F1} {run.CpuMsPerRun,11:F1} {cores * 1000 / run.CpuMsPerRun,13:F1}");
        output.WriteLine($"workers: {sandbox.Concurrency}, cores: {cores}, load average before/after: {loadBefore} / {LoadAverage()}");
        output.WriteLine("cpu ms/run: CPU of this process and every sandbox process, per run; cores/cpu-ms: the runs/s an idle machine allows");
        return new Dictionary<string, object>
        {
            ["runs_per_second"] = Math.Round(trivialRun.PerSecond, 1),
            ["humaneval_per_second"] = Math.Round(humanEvalRun.PerSecond, 1),
            ["cores"] = cores,
            ["cpu_ms_per_run"] = Math.Round(trivialRun.CpuMsPerRun, 1),
            ["humaneval_cpu_ms_per_run"] = Math.Round(humanEvalRun.CpuMsPerRun, 1),
        };
    }

    private sealed record Measurement(double PerSecond, int Passed, double CpuMsPerRun);

    // Wall-clock runs/s depends on what else the machine runs; CPU per run (ours plus every reaped sandbox process,
    // getrusage RUSAGE_SELF + RUSAGE_CHILDREN) does not, so both are printed.
    private static async Task<Measurement> MeasureAsync(CodeVerifier verifier, CodeTask[] tasks, CancellationToken ct)
    {
        var options = new CodeVerifyOptions();
        var cpuBefore = CpuSeconds();
        var clock = Stopwatch.StartNew();
        var verdicts = await Task.WhenAll(tasks.Select(t => verifier.VerifyAsync(t, options, ct)));
        var seconds = clock.Elapsed.TotalSeconds;
        return new Measurement(tasks.Length / seconds, verdicts.Count(v => v.IsPassed), (CpuSeconds() - cpuBefore) * 1000 / tasks.Length);
    }

    private static double CpuSeconds() => Usage(0) + Usage(-1); // RUSAGE_SELF, RUSAGE_CHILDREN

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
