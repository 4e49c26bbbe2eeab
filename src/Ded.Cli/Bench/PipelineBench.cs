using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Ded.Reports;

namespace Ded.Cli.Bench;

/// <summary>
/// `ded bench pipeline`: real `ded run` children on lab recipes of growing size (issue 17: 1k, 10k and 100k questions,
/// M = 8, 2 in-process lab teachers, the curation stages with compression off, every export format). Each child's
/// wall clock is timed here; its CPU, peak resident set (VmHWM) and per-stage timings come from its own `metrics.json`
/// (its peak is also polled from /proc, the larger kept: the report stage runs after the metrics are built). Time per
/// trajectory is the curation stages' wall over the trajectories, so the ratio between sizes shows what grows faster
/// than the work. `DED_BENCH_PIPELINE_QUESTIONS=1000,10000` picks other sizes (smallest first).
/// </summary>
internal static class PipelineBench
{
    private const int M = 8;
    private const int Teachers = 2;
    private const double ExtrapolatedTrajectories = 1_600_000; // issue 17's target: 100k questions × M = 8 × 2 teachers

    public static BenchDefinition Definition { get; } = new("pipeline",
        "ded run on lab recipes of 1k/10k/100k questions (M=8, 2 lab teachers, compression off): wall, CPU, peak RSS, run.db, per-stage rows/s",
        RunAsync);

    private sealed record Size(int Questions, double WallSeconds, double CpuSeconds, long PeakRssBytes, long DatabaseBytes, RunMetrics Metrics)
    {
        public long Trajectories => (long)Metrics.Funnel.TrajectoriesSampled;
        public double CurationSeconds => Metrics.Stages.Sum(s => s.WallSeconds);
        public double CurationCpuSeconds => Metrics.Stages.Sum(s => s.CpuSeconds);
        public double MicrosPerTrajectory => CurationSeconds / Trajectories * 1e6;
        public double CpuMicrosPerTrajectory => CurationCpuSeconds / Trajectories * 1e6;
    }

    private static async Task<IReadOnlyDictionary<string, object>> RunAsync(TextWriter output, CancellationToken ct)
    {
        var sizes = Sizes();
        var root = Directory.CreateTempSubdirectory("ded-bench-pipeline-");
        try
        {
            output.WriteLine($"pipeline bench: lab recipes of {string.Join(", ", sizes.Select(n => n.ToString("N0", CultureInfo.InvariantCulture)))} questions, " +
                             $"M = {M}, {Teachers} lab teachers, {Environment.ProcessorCount} cores; runs in {root.FullName}");
            var results = new List<Size>();
            foreach (var questions in sizes)
            {
                var size = await RunOneAsync(root.FullName, questions, ct);
                results.Add(size);
                Print(output, size);
            }
            return Summary(output, results);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    private static IReadOnlyList<int> Sizes()
    {
        var text = Environment.GetEnvironmentVariable("DED_BENCH_PIPELINE_QUESTIONS") ?? "1000,10000,100000";
        var sizes = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n
                : throw new ArgumentException($"DED_BENCH_PIPELINE_QUESTIONS: '{s}' is not a positive whole number (got '{text}')"))
            .ToList();
        return sizes.Count > 0 ? sizes : throw new ArgumentException("DED_BENCH_PIPELINE_QUESTIONS names no size");
    }

    private static async Task<Size> RunOneAsync(string root, int questions, CancellationToken ct)
    {
        var dir = Path.Combine(root, $"q{questions}");
        Directory.CreateDirectory(dir);
        var recipe = Path.Combine(dir, "recipe.yaml");
        await File.WriteAllTextAsync(recipe, Recipe(questions), ct);
        var folder = Path.Combine(dir, "run");
        var clock = Stopwatch.StartNew();
        var (peak, cpu) = await RunChildAsync(["run", recipe, "--out", folder], Path.Combine(dir, "run.log"), ct);
        clock.Stop();
        var metrics = JsonSerializer.Deserialize<RunMetrics>(await File.ReadAllTextAsync(Path.Combine(folder, "metrics.json"), ct), RunMetrics.Json)!;
        long db = new[] { "run.db", "run.db-wal" }.Select(f => Path.Combine(folder, f)).Where(File.Exists).Sum(f => new FileInfo(f).Length);
        return new Size(questions, clock.Elapsed.TotalSeconds, Math.Max(cpu, metrics.Run.CpuSeconds),
            Math.Max(peak, metrics.Run.PeakResidentBytes), db, metrics);
    }

    /// <summary>Runs `ded` (this executable) to completion, polling its peak RSS and CPU; throws with its log's tail when it fails.</summary>
    private static async Task<(long PeakRss, double CpuSeconds)> RunChildAsync(string[] args, string log, CancellationToken ct)
    {
        var self = Environment.ProcessPath!;
        var info = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") info.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        await using var logFile = File.CreateText(log);
        var stdout = process.StandardOutput.BaseStream.CopyToAsync(logFile.BaseStream, ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        long peak = 0;
        double cpu = 0;
        while (!process.HasExited)
        {
            try
            {
                peak = Math.Max(peak, ProcessMemory.Read(process.Id).Peak);
                cpu = ProcessMemory.CpuSeconds(process.Id);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // It exited between the check and the read.
            }
            try { await process.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromMilliseconds(200), ct); }
            catch (TimeoutException) { }
        }
        await stdout;
        var errors = await stderr;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"ded {string.Join(' ', args)} exited {process.ExitCode}: {errors.Trim()} (log: {log})");
        return (peak, cpu);
    }

    private static string Recipe(int questions) => string.Create(CultureInfo.InvariantCulture, $"""
        # ded bench pipeline: {questions} lab questions × M = {M} × {Teachers} lab teachers, compression off.
        name: bench-pipeline-{questions}
        questions:
          sources:
            - lab:
                families: [arithmetic, remainder]   # the families with room for 100k distinct problems at these difficulties
                count: {questions}
                min_difficulty: 3
                max_difficulty: 6
                seed: 1
        teachers:
          - name: oracle
            lab: oracle
          - name: careful
            lab: careful
        sampling:
          samples_per_question: {M}
          temperature: 0.7
          top_p: 0.95
          max_tokens: 4096
          seed: 1
        rollouts:
          max_concurrency: 16
        filters:
          max_length: 4000
          length_unit: chars
          think_pairing: true
          correctness: true
          drop_truncated: true
        compression:
          enabled: false
        diversity:
          p: 4
          distance: chars
          strategy: farthest
          seed: 1
        export:
          formats: [llamafactory, trl, parquet]
          dataset_name: bench
        """);

    private static void Print(TextWriter output, Size s)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{s.Questions,9:N0} questions, {s.Trajectories,11:N0} trajectories: wall {s.WallSeconds,7:0.0} s, CPU {s.CpuSeconds,7:0.0} s, " +
            $"peak RSS {s.PeakRssBytes / 1e6,6:0} MB, run.db {s.DatabaseBytes / 1e6,7:0.0} MB, curation {s.CurationSeconds,7:0.0} s " +
            $"(CPU {s.CurationCpuSeconds:0.0} s), {s.MicrosPerTrajectory:0.0} µs/trajectory"));
        foreach (var stage in s.Metrics.Stages)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    {stage.Stage,-20} {stage.WallSeconds,8:0.0} s wall {stage.CpuSeconds,8:0.0} s CPU {stage.Rows,11:N0} rows {stage.RowsPerSecond,10:N0} rows/s {stage.DatabaseBytesAdded / 1e6,8:0.0} MB added"));
    }

    private static IReadOnlyDictionary<string, object> Summary(TextWriter output, IReadOnlyList<Size> sizes)
    {
        var (small, large) = (sizes[0], sizes[^1]);
        double ratio = large.MicrosPerTrajectory / small.MicrosPerTrajectory;
        double cpuRatio = large.CpuMicrosPerTrajectory / small.CpuMicrosPerTrajectory;
        double extrapolated = large.MicrosPerTrajectory * 1e-6 * ExtrapolatedTrajectories;
        double extrapolatedCpu = large.CpuMicrosPerTrajectory * 1e-6 * ExtrapolatedTrajectories;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"time per trajectory at {large.Questions:N0} questions / at {small.Questions:N0}: {ratio:0.00}x wall, {cpuRatio:0.00}x CPU (target <= 1.3); " +
            $"peak RSS at {large.Questions:N0}: {large.PeakRssBytes / 1e6:0} MB (target < 1000); {ExtrapolatedTrajectories:N0} trajectories at " +
            $"{large.Questions:N0}'s rate: {extrapolated / 60:0.0} min wall, {extrapolatedCpu / 60:0.0} min CPU (target < 15)"));
        output.WriteLine("wall clock is disturbed on a shared machine: read it beside the CPU seconds (user + sys, every thread)");
        return new Dictionary<string, object>
        {
            ["questions"] = sizes.Select(s => s.Questions).ToArray(),
            ["trajectories"] = sizes.Select(s => s.Trajectories).ToArray(),
            ["wall_seconds"] = sizes.Select(s => Math.Round(s.WallSeconds, 1)).ToArray(),
            ["cpu_seconds"] = sizes.Select(s => Math.Round(s.CpuSeconds, 1)).ToArray(),
            ["curation_seconds"] = sizes.Select(s => Math.Round(s.CurationSeconds, 1)).ToArray(),
            ["peak_rss_mb_by_size"] = sizes.Select(s => Math.Round(s.PeakRssBytes / 1e6)).ToArray(),
            ["run_db_mb"] = sizes.Select(s => Math.Round(s.DatabaseBytes / 1e6, 1)).ToArray(),
            ["micros_per_trajectory"] = sizes.Select(s => Math.Round(s.MicrosPerTrajectory, 1)).ToArray(),
            ["cpu_micros_per_trajectory"] = sizes.Select(s => Math.Round(s.CpuMicrosPerTrajectory, 1)).ToArray(),
            ["stage_rows_per_second"] = large.Metrics.Stages.ToDictionary(s => s.Stage, s => Math.Round(s.RowsPerSecond)),
            ["trajectories_per_second"] = Math.Round(large.Trajectories / large.CurationSeconds),
            ["peak_rss_mb"] = Math.Round(large.PeakRssBytes / 1e6),
            ["per_trajectory_ratio"] = Math.Round(ratio, 3),
            ["per_trajectory_cpu_ratio"] = Math.Round(cpuRatio, 3),
            ["extrapolated_minutes_1_6m_trajectories"] = Math.Round(extrapolated / 60, 1),
            ["extrapolated_cpu_minutes_1_6m_trajectories"] = Math.Round(extrapolatedCpu / 60, 1),
            ["cores"] = Environment.ProcessorCount,
        };
    }
}
