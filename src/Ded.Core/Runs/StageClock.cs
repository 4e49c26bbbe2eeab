using System.Diagnostics;
using System.Globalization;

namespace Ded.Runs;

/// <summary>Where one stage's time went: its wall and CPU seconds, the rows it handled, and the store's size after it.</summary>
public sealed record StageTiming(string Stage, double WallSeconds, double CpuSeconds, long Rows, long DatabaseBytes, long DatabaseBytesAdded)
{
    public double RowsPerSecond => WallSeconds > 0 ? Rows / WallSeconds : 0;

    /// <summary>The names it is kept under in the store's metrics, beside the stage's own counts.</summary>
    public IReadOnlyDictionary<string, double> ToMetrics() => new Dictionary<string, double>
    {
        ["wall_seconds"] = WallSeconds, ["cpu_seconds"] = CpuSeconds, ["rows"] = Rows, ["rows_per_second"] = RowsPerSecond,
        ["db_bytes"] = DatabaseBytes, ["db_bytes_added"] = DatabaseBytesAdded,
    };

    public static StageTiming? FromMetrics(string stage, IReadOnlyDictionary<string, double> m) =>
        m.TryGetValue("wall_seconds", out var wall)
            ? new StageTiming(stage, wall, m.GetValueOrDefault("cpu_seconds"), (long)m.GetValueOrDefault("rows"),
                (long)m.GetValueOrDefault("db_bytes"), (long)m.GetValueOrDefault("db_bytes_added"))
            : null;

    /// <summary>"16,000 rows in 1.2 s (13,333 rows/s), CPU 1.5 s, run.db 33.1 MB (+12.0 MB)".</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Rows:N0} rows in {WallSeconds:0.0} s ({RowsPerSecond:N0} rows/s), CPU {CpuSeconds:0.0} s, run.db {DatabaseBytes / 1e6:0.0} MB (+{DatabaseBytesAdded / 1e6:0.0} MB)");
}

/// <summary>Times one stage on a run store: wall clock, this process's CPU (every thread: the writer's too) and the store's growth.</summary>
public sealed class StageClock
{
    private readonly RunStore _store;
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private readonly TimeSpan _cpu = Process.GetCurrentProcess().TotalProcessorTime;
    private readonly long _bytes;

    private StageClock(RunStore store)
    {
        _store = store;
        _bytes = store.DatabaseBytes;
    }

    public static StageClock Start(RunStore store) => new(store);

    /// <summary>The timing so far, also saved in the store's metrics under <paramref name="stage"/>.</summary>
    public StageTiming Stop(string stage, long rows)
    {
        long bytes = _store.DatabaseBytes;
        var timing = new StageTiming(stage, _wall.Elapsed.TotalSeconds, (Process.GetCurrentProcess().TotalProcessorTime - _cpu).TotalSeconds,
            rows, bytes, bytes - _bytes);
        _store.SaveMetrics(stage, timing.ToMetrics());
        return timing;
    }
}
