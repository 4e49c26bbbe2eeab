using System.Diagnostics;
using Ded.Selection;

namespace Ded.Cli.Bench;

/// <summary>
/// `ded bench levenshtein`: all 28 pairs of 8 reasoning-like traces of 30,000 chars (farthest-P's workload for M = 8),
/// bit-parallel on one thread versus the plain DP table on the same pairs.
/// </summary>
internal static class LevenshteinBench
{
    private const int TraceCount = 8;      // M = 8 samples of one question
    private const int TraceLength = 30_000; // chars; long reasoning traces (issue 2, item 8)
    private const int Seed = 20_250_813;
    private const int Repeats = 3;          // best of 3: the machine is shared, the minimum is the least disturbed run
    // The table needs ~1 ns per cell, ~30 s for all 28 pairs; four disjoint pairs give the per-cell time in ~4 s.
    private static readonly (int A, int B)[] DpPairs = [(0, 1), (2, 3), (4, 5), (6, 7)];

    public static BenchDefinition Definition { get; } = new("levenshtein",
        "Bit-parallel Levenshtein vs the DP table on all pairs of 8 traces of 30,000 chars.", RunAsync);

    private static Task<IReadOnlyDictionary<string, object>> RunAsync(TextWriter output, CancellationToken ct)
    {
        var traces = SyntheticTraces.Generate(TraceCount, TraceLength, Seed);
        var pairs = (from i in Enumerable.Range(0, TraceCount) from j in Enumerable.Range(i + 1, TraceCount - i - 1)
                     select (A: i, B: j)).ToArray();
        WarmUp(traces);

        var distances = new int[pairs.Length];
        double bitSeconds = double.MaxValue;
        long allocated = 0;
        for (int r = 0; r < Repeats; r++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var watch = Stopwatch.StartNew();
            for (int p = 0; p < pairs.Length; p++)
                distances[p] = Levenshtein.Distance(traces[pairs[p].A], traces[pairs[p].B]);
            bitSeconds = Math.Min(bitSeconds, watch.Elapsed.TotalSeconds);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            ct.ThrowIfCancellationRequested();
        }

        var (dpMeasuredSeconds, dpCells, mismatches) = MeasureDp(traces, pairs, distances, ct);
        double allCells = pairs.Sum(p => (double)traces[p.A].Length * traces[p.B].Length);
        double dpSeconds = dpMeasuredSeconds / dpCells * allCells;
        double ratio = dpSeconds / bitSeconds;
        WriteTable(output, distances, bitSeconds, dpMeasuredSeconds, dpSeconds, ratio, allocated, mismatches);
        if (mismatches > 0)
            throw new InvalidOperationException($"bench levenshtein: bit-parallel and DP disagree on {mismatches} pair(s).");
        return Task.FromResult<IReadOnlyDictionary<string, object>>(new Dictionary<string, object>
        {
            ["bitparallel_s"] = Math.Round(bitSeconds, 4),
            ["dp_s"] = Math.Round(dpSeconds, 3),
            ["ratio"] = Math.Round(ratio, 1),
            ["dp_pairs_measured"] = DpPairs.Length,
            ["bitparallel_bytes_allocated"] = allocated,
        });
    }

    // JIT both paths (tiered compilation reaches the optimised loop after a few calls) before any timing.
    private static void WarmUp(IReadOnlyList<string> traces)
    {
        for (int i = 0; i < 50; i++)
        {
            Levenshtein.Distance(traces[0].AsSpan(0, 2000), traces[1].AsSpan(0, 2000));
            LevenshteinReference.Distance(traces[0].AsSpan(0, 300), traces[1].AsSpan(0, 300));
        }
    }

    private static (double Seconds, double Cells, int Mismatches) MeasureDp(
        IReadOnlyList<string> traces, (int A, int B)[] pairs, int[] distances, CancellationToken ct)
    {
        double seconds = 0, cells = 0;
        int mismatches = 0;
        foreach (var (a, b) in DpPairs)
        {
            ct.ThrowIfCancellationRequested();
            var watch = Stopwatch.StartNew();
            int expected = LevenshteinReference.Distance(traces[a], traces[b]);
            seconds += watch.Elapsed.TotalSeconds;
            cells += (double)traces[a].Length * traces[b].Length;
            if (expected != distances[Array.IndexOf(pairs, (a, b))]) mismatches++;
        }
        return (seconds, cells, mismatches);
    }

    private static void WriteTable(TextWriter output, int[] distances, double bitSeconds, double dpMeasured,
        double dpSeconds, double ratio, long allocated, int mismatches)
    {
        output.WriteLine($"Levenshtein: {TraceCount} traces x {TraceLength:N0} chars, {distances.Length} pairs, one thread");
        output.WriteLine($"distance min/mean/max: {distances.Min():N0} / {distances.Average():N0} / {distances.Max():N0}");
        output.WriteLine();
        output.WriteLine($"{"method",-32} {"pairs timed",11} {"seconds",10} {"28 pairs (s)",13}");
        output.WriteLine($"{"bit-parallel (best of " + Repeats + ")",-32} {distances.Length,11} {bitSeconds,10:F4} {bitSeconds,13:F4}");
        output.WriteLine($"{"DP table (scaled per cell)",-32} {DpPairs.Length,11} {dpMeasured,10:F3} {dpSeconds,13:F3}");
        output.WriteLine();
        output.WriteLine($"ratio DP / bit-parallel: {ratio:F1}x (target >= 30x); bit-parallel target < 0.5 s");
        output.WriteLine($"bytes allocated by the 28 bit-parallel calls: {allocated:N0}");
        output.WriteLine($"agreement on the {DpPairs.Length} DP pairs: {(mismatches == 0 ? "exact" : $"{mismatches} MISMATCH(ES)")}");
    }
}
