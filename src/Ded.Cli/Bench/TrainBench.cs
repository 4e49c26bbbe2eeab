using System.Globalization;
using Ded.Student;
using Ded.Student.Training;

namespace Ded.Cli.Bench;

/// <summary>`ded bench train`: the lab student's training and generation speed, and the fraction of this machine's
/// float32 matmul peak that training reaches, the peak measured in the same run at the same thread count. Runs at one
/// torch thread and at all cores: on a loaded machine OpenMP's spin-waiting can make more threads several times slower.
/// The JSON line reports the all-cores run, the lab's default.</summary>
internal static class TrainBench
{
    public static BenchDefinition Definition { get; } = new("train",
        "Lab student: training tokens/s and FLOP/s vs the measured matmul peak; KV-cache generation tokens/s.", RunAsync);

    private sealed record Run(int Threads, double PeakFlops, TrainThroughput Train, GenerationThroughput Gen)
    {
        public double PeakFraction => Train.FlopsPerSecond / PeakFlops;
    }

    private static Task<IReadOnlyDictionary<string, object>> RunAsync(TextWriter output, CancellationToken ct)
    {
        var config = new TinyGptConfig();
        var runs = new[] { 1, Environment.ProcessorCount }.Distinct().Select(threads => Measure(config, threads, ct)).ToList();
        Print(output, config, runs);
        var all = runs[^1];
        return Task.FromResult<IReadOnlyDictionary<string, object>>(new Dictionary<string, object>
        {
            ["train_tokens_per_second"] = Math.Round(all.Train.TokensPerSecond, 1),
            ["gen_tokens_per_second"] = Math.Round(all.Gen.TokensPerSecond, 1),
            ["peak_fraction"] = Math.Round(all.PeakFraction, 4),
            ["threads"] = all.Threads,
            ["matmul_peak_gflops"] = Math.Round(all.PeakFlops / 1e9, 2),
            ["train_gflops"] = Math.Round(all.Train.FlopsPerSecond / 1e9, 3),
            ["gen_uncached_tokens_per_second"] = Math.Round(all.Gen.UncachedTokensPerSecond, 1),
            ["train_tokens_per_second_1_thread"] = Math.Round(runs[0].Train.TokensPerSecond, 1),
            ["gen_tokens_per_second_1_thread"] = Math.Round(runs[0].Gen.TokensPerSecond, 1),
            ["parameters"] = all.Train.Parameters,
        });
    }

    private static Run Measure(TinyGptConfig config, int threads, CancellationToken ct) => new(threads,
        StudentBenchmark.MatmulPeakFlopsPerSecond(n: 1024, TimeSpan.FromSeconds(2), threads, ct),
        StudentBenchmark.Training(config, new TrainOptions { Threads = threads }, warmupSteps: 2, timedSteps: 8, ct),
        StudentBenchmark.Generation(config, prompts: 32, maxNewTokens: 64, threads, ct));

    private static void Print(TextWriter w, TinyGptConfig config, List<Run> runs)
    {
        var first = runs[0];
        w.WriteLine($"lab student: {first.Train.Parameters:N0} parameters, {config.Layers} layers × {config.EmbedDim} dim, " +
                    $"{config.Heads} heads, block {config.BlockSize}; training batch {first.Train.BatchSize}×{first.Train.BlockSize} tokens, {first.Train.Steps} timed AdamW steps");
        w.WriteLine($"{"measure",-32}" + string.Concat(runs.Select(r => $"{r.Threads + (r.Threads == 1 ? " thread" : " threads"),14}")) + "  note");
        Row(w, "matmul peak (GFLOP/s)", runs, r => r.PeakFlops / 1e9, "best 1024×1024 float32 matmul over 2 s");
        Row(w, "train tokens/s", runs, r => r.Train.TokensPerSecond, "forward + backward + AdamW");
        Row(w, "train FLOP/token (M)", runs, r => r.Train.FlopsPerToken / 1e6, "6·N + 12·L·C·T (PaLM app. B)");
        Row(w, "train GFLOP/s", runs, r => r.Train.FlopsPerSecond / 1e9, "");
        Row(w, "fraction of matmul peak", runs, r => r.PeakFraction, "same thread count");
        Row(w, "generate tokens/s (KV cache)", runs, r => r.Gen.TokensPerSecond, $"greedy, batch {first.Gen.Prompts}, ≤ {first.Gen.MaxNewTokens} new tokens");
        Row(w, "generate tokens/s (no cache)", runs, r => r.Gen.UncachedTokensPerSecond, $"batch {Math.Max(1, first.Gen.Prompts / 4)}, full prefix each token");
    }

    private static void Row(TextWriter w, string name, List<Run> runs, Func<Run, double> value, string note) =>
        w.WriteLine($"{name,-32}" + string.Concat(runs.Select(r => value(r).ToString("N2", CultureInfo.InvariantCulture).PadLeft(14))) + "  " + note);
}
