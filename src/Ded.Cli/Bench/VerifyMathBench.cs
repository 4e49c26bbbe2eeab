using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Ded.Verification.Math;

namespace Ded.Cli.Bench;

/// <summary>`ded bench verify-math`: Math-Verify's 270 shared cases, verified repeatedly on one thread (latency
/// percentiles, rate) and on all cores (rate). Target: ≥ 20,000/s on one core, p99 &lt; 2 ms.
/// The one-core figures use the thread's CPU time (CLOCK_THREAD_CPUTIME_ID) so that a machine shared with other
/// jobs does not count their time slices as ours; wall-clock figures are printed beside them.</summary>
internal static class VerifyMathBench
{
    private static readonly TimeSpan SingleCoreDuration = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan AllCoresDuration = TimeSpan.FromSeconds(3);

    public static Task<IReadOnlyDictionary<string, object>> RunAsync(TextWriter output, CancellationToken ct)
    {
        var cases = LoadCases();
        // why: tiered JIT promotes hot methods after ~30 calls and a background compile; measure the steady state.
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed < TimeSpan.FromSeconds(1.5))
            foreach (var c in cases) MathVerifier.Verify(c.Gold, c.Pred, c.Options, ct);
        var latencies = new List<double>();
        var wallLatencies = new List<double>();
        var sw = Stopwatch.StartNew();
        var cpuStart = ThreadCpuMs();
        while (sw.Elapsed < SingleCoreDuration)
        {
            foreach (var c in cases)
            {
                var t0 = Stopwatch.GetTimestamp();
                var c0 = ThreadCpuMs();
                MathVerifier.Verify(c.Gold, c.Pred, c.Options, ct);
                latencies.Add(ThreadCpuMs() - c0);
                wallLatencies.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
        }
        var cpuSeconds = (ThreadCpuMs() - cpuStart) / 1000;
        var perSecond1 = latencies.Count / cpuSeconds;
        var perSecondWall = latencies.Count / sw.Elapsed.TotalSeconds;
        latencies.Sort();
        wallLatencies.Sort();
        var p50 = latencies[latencies.Count / 2];
        var p99 = latencies[(int)(latencies.Count * 0.99)];
        var max = latencies[^1];
        var wallP99 = wallLatencies[(int)(wallLatencies.Count * 0.99)];

        var threads = Environment.ProcessorCount;
        long total = 0;
        sw.Restart();
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = ct }, t =>
        {
            long mine = 0;
            while (sw.Elapsed < AllCoresDuration)
                foreach (var c in cases) { MathVerifier.Verify(c.Gold, c.Pred, c.Options, ct); mine++; }
            Interlocked.Add(ref total, mine);
        });
        var perSecondAll = total / sw.Elapsed.TotalSeconds;

        output.WriteLine($"{"measure",-24} {"value",14}");
        output.WriteLine($"{"cases",-24} {cases.Count,14}");
        output.WriteLine($"{"verifications (1 core)",-24} {latencies.Count,14:N0}");
        output.WriteLine($"{"per second, 1 core (cpu)",-24} {perSecond1,14:N0}");
        output.WriteLine($"{"per second, 1 core (wall)",-24} {perSecondWall,14:N0}");
        output.WriteLine($"{"per second, " + threads + " threads",-24} {perSecondAll,14:N0}");
        output.WriteLine($"{"p50 ms (cpu)",-24} {p50,14:F4}");
        output.WriteLine($"{"p99 ms (cpu)",-24} {p99,14:F4}");
        output.WriteLine($"{"max ms (cpu)",-24} {max,14:F4}");
        output.WriteLine($"{"p99 ms (wall)",-24} {wallP99,14:F4}");
        output.WriteLine($"{"load average (1 min)",-24} {LoadAverage(),14}");
        return Task.FromResult<IReadOnlyDictionary<string, object>>(new Dictionary<string, object>
        {
            ["per_second_1core"] = System.Math.Round(perSecond1),
            ["per_second_all"] = System.Math.Round(perSecondAll),
            ["p50_ms"] = System.Math.Round(p50, 4),
            ["p99_ms"] = System.Math.Round(p99, 4),
        });
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    /// <summary>CPU time of the calling thread in milliseconds (Linux clock_gettime; wall clock elsewhere).</summary>
    internal static double ThreadCpuMs()
    {
        if (!OperatingSystem.IsLinux()) return Stopwatch.GetTimestamp() * 1000.0 / Stopwatch.Frequency;
        clock_gettime(ClockThreadCpuTimeId, out var ts);
        return ts.Seconds * 1000.0 + ts.Nanoseconds / 1e6;
    }

    private const int ClockThreadCpuTimeId = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec { public long Seconds; public long Nanoseconds; }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int clock_gettime(int clockId, out TimeSpec time);

    private sealed record Case(string Gold, string Pred, MathVerifyOptions Options);

    private static List<Case> LoadCases()
    {
        var path = Path.Combine(SharedDataDirectory(), "math_verify_cases.jsonl");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} not found: set DED_SHARED_DATA to the shared data folder");
        var list = new List<Case>();
        var lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var r = (JsonObject)JsonNode.Parse(line)!;
            list.Add(new Case((string)r["gold"]!, (string)r["pred"]!,
                MathVerifyJsonl.ParseOptions(r, $"{Path.GetFileName(path)}:{lineNo}", MathVerifyOptions.Default)));
        }
        return list;
    }

    /// <summary>`DED_SHARED_DATA`, else `../shared/data` beside the repository root (found by Ded.sln).</summary>
    private static string SharedDataDirectory()
    {
        if (Environment.GetEnvironmentVariable("DED_SHARED_DATA") is { Length: > 0 } env) return env;
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Ded.sln")))
                    return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data"));
        return Path.GetFullPath(Path.Combine("..", "shared", "data"));
    }
}
