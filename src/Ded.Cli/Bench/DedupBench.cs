using System.Diagnostics;
using Ded.Data.Dedup;

namespace Ded.Cli.Bench;

/// <summary>
/// `ded bench dedup`: a seeded synthetic pool of 1,000,000 math-like questions with planted exact duplicates (2%),
/// near duplicates (2%, one number changed) and contaminated rows (0.1%, MATH-500/AIME problems reworded), run through
/// decontamination (8-grams + exact without digits) and dedup (exact + MinHash-LSH). Target: under 5 minutes on 2 cores.
/// </summary>
internal static class DedupBench
{
    private const int Rows = 1_000_000;
    private const int Seed = 7;
    private static readonly string[] BenchmarkFiles = ["math500.jsonl", "aime24.jsonl", "aime25.jsonl"];

    public const string Description =
        "Dedup (exact + MinHash-LSH) and decontaminate (MATH-500 + AIME) a synthetic pool of 1M questions";

    /// <summary>What a row is (planted) or was found to be.</summary>
    private enum Kind { Clean, Exact, Near, Contaminated }

    public static async Task<IReadOnlyDictionary<string, object>> RunAsync(TextWriter output, CancellationToken ct)
    {
        var benchmark = await BenchmarkSet.LoadAsync(BenchmarkFiles.Select(SharedDataFile), null, ct);
        var decontaminator = new Decontaminator(benchmark, new DecontaminationOptions());
        var dedup = new Deduplicator(new DedupOptions { ExpectedRows = Rows });
        var tally = new Tally();
        var total = Stopwatch.StartNew();
        Run(new SyntheticQuestions(Seed), benchmark, decontaminator, dedup, tally, ct);
        total.Stop();
        return Report(output, tally, dedup, decontaminator, total.Elapsed.TotalSeconds);
    }

    private static void Run(SyntheticQuestions generator, IReadOnlyList<BenchmarkQuestion> benchmark,
        Decontaminator decontaminator, Deduplicator dedup, Tally tally, CancellationToken ct)
    {
        var recent = new string[4096];
        var recentCount = 0;
        var random = generator.Random;
        for (var i = 0; i < Rows; i++)
        {
            if ((i & 4095) == 0) ct.ThrowIfCancellationRequested();
            var (planted, text) = (i % 1000, i % 50) switch
            {
                (999, _) => (Kind.Contaminated, Reword(generator, benchmark[random.Next(benchmark.Count)].Text, i)),
                (_, 10) when recentCount > 0 => (Kind.Exact, generator.Restyle(recent[random.Next(Math.Min(recentCount, recent.Length))])),
                (_, 35) when recentCount > 0 => (Kind.Near, generator.ChangeOneNumber(recent[random.Next(Math.Min(recentCount, recent.Length))])),
                _ => (Kind.Clean, generator.Next()),
            };
            if (planted == Kind.Clean) recent[recentCount++ % recent.Length] = text;
            var id = "q" + i;
            var startTicks = Stopwatch.GetTimestamp();
            var startBytes = GC.GetAllocatedBytesForCurrentThread();
            var matches = decontaminator.Check(text);
            var verdict = matches.Count == 0 ? dedup.Admit(id, text) : null;
            tally.ProcessingTicks += Stopwatch.GetTimestamp() - startTicks;
            tally.AllocatedBytes += GC.GetAllocatedBytesForCurrentThread() - startBytes;
            tally.Add(planted, matches.Count > 0, verdict?.Kind ?? DuplicateKind.None);
        }
    }

    // Alternate the trivial rewordings of the acceptance test: case and spacing, or one number changed.
    private static string Reword(SyntheticQuestions generator, string problem, int row) =>
        row / 1000 % 2 == 0 ? generator.Restyle(problem) : generator.ChangeOneNumber(problem);

    private static IReadOnlyDictionary<string, object> Report(TextWriter output, Tally t, Deduplicator dedup,
        Decontaminator decontaminator, double totalSeconds)
    {
        var seconds = Math.Round(Stopwatch.GetElapsedTime(0, t.ProcessingTicks).TotalSeconds, 2);
        var rowsPerSecond = Math.Round(Rows / Math.Max(seconds, 1e-9));
        var (bands, rows) = dedup.Banding;
        output.WriteLine($"dedup bench: {Rows:N0} synthetic questions (seed {Seed}), MinHash 128 perms, {bands} bands × {rows} rows, 8-gram decontamination against {decontaminator.BenchmarkCount} benchmark questions ({decontaminator.NgramCount:N0} n-grams)");
        output.WriteLine($"{"",-22}{"planted",12}{"found",12}{"recall",10}");
        output.WriteLine($"{"contaminated",-22}{t.Planted[(int)Kind.Contaminated],12:N0}{t.Hits[(int)Kind.Contaminated],12:N0}{Recall(t, Kind.Contaminated),10:P2}");
        output.WriteLine($"{"exact duplicates",-22}{t.Planted[(int)Kind.Exact],12:N0}{t.Hits[(int)Kind.Exact],12:N0}{Recall(t, Kind.Exact),10:P2}");
        output.WriteLine($"{"near duplicates",-22}{t.Planted[(int)Kind.Near],12:N0}{t.Hits[(int)Kind.Near],12:N0}{Recall(t, Kind.Near),10:P2}");
        output.WriteLine($"{"false flags (clean)",-22}{t.Planted[(int)Kind.Clean],12:N0}{t.FalseFlags,12:N0}");
        output.WriteLine($"kept {dedup.KeptCount:N0}; processing {seconds:F2} s ({rowsPerSecond:N0} rows/s), {t.AllocatedBytes / (double)Rows:F0} B allocated per row; wall with generation {totalSeconds:F2} s");
        return new Dictionary<string, object>
        {
            ["rows"] = Rows, ["seconds"] = seconds, ["rows_per_second"] = rowsPerSecond,
            ["wall_seconds_with_generation"] = Math.Round(totalSeconds, 2), ["kept"] = dedup.KeptCount,
            ["contaminated"] = t.Flagged[(int)Kind.Contaminated], ["exact_duplicates"] = t.Flagged[(int)Kind.Exact],
            ["near_duplicates"] = t.Flagged[(int)Kind.Near], ["contaminated_recall"] = Math.Round(Recall(t, Kind.Contaminated), 4),
            ["exact_recall"] = Math.Round(Recall(t, Kind.Exact), 4), ["near_recall"] = Math.Round(Recall(t, Kind.Near), 4),
            ["false_flags"] = t.FalseFlags, ["bytes_allocated_per_row"] = Math.Round(t.AllocatedBytes / (double)Rows, 1),
        };
    }

    private static double Recall(Tally t, Kind kind) => t.Planted[(int)kind] == 0 ? 0 : t.Hits[(int)kind] / (double)t.Planted[(int)kind];

    private sealed class Tally
    {
        public readonly int[] Planted = new int[4];
        public readonly int[] Hits = new int[4];      // planted rows flagged as what was planted
        public readonly int[] Flagged = new int[4];   // all rows flagged, by verdict
        public int FalseFlags;                        // unplanted rows flagged as anything
        public long ProcessingTicks;
        public long AllocatedBytes;

        public void Add(Kind planted, bool isContaminated, DuplicateKind duplicate)
        {
            var found = isContaminated ? Kind.Contaminated : duplicate switch
            {
                DuplicateKind.Exact => Kind.Exact, DuplicateKind.Near => Kind.Near, _ => Kind.Clean,
            };
            Planted[(int)planted]++;
            Flagged[(int)found]++;
            if (found == planted && planted != Kind.Clean) Hits[(int)planted]++;
            if (planted == Kind.Clean && found != Kind.Clean) FalseFlags++;
        }
    }

    private static string SharedDataFile(string name)
    {
        var dir = Environment.GetEnvironmentVariable("DED_SHARED_DATA");
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); dir is null && d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Ded.sln"))) dir = Path.Combine(d.FullName, "..", "shared", "data");
        var path = Path.GetFullPath(Path.Combine(dir ?? ".", name));
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path}: benchmark file for the dedup bench not found (set DED_SHARED_DATA)", path);
    }
}
