using System.Globalization;
using Ded.Student;
using Ded.Student.Training;

namespace Ded.Cli.Bench;

/// <summary>`ded bench train`: the lab student's training and generation speed, and the fraction of this machine's
/// measured float32 matmul peak that training reaches (both measured in the same run, same thread count).</summary>
internal static class TrainBench
{
    public static BenchDefinition Definition { get; } = new("train",
        "Lab student: training tokens/s and FLOP/s vs the measured matmul peak; KV-cache generation tokens/s.", RunAsync);

    private static Task<IReadOnlyDictionary<string, object>> RunAsync(TextWriter output, CancellationToken ct)
    {
        int threads = Environment.ProcessorCount;
        var config = new TinyGptConfig();
        double peak = StudentBenchmark.MatmulPeakFlopsPerSecond(n: 1024, TimeSpan.FromSeconds(2), threads, ct);
        var train = StudentBenchmark.Training(config, new TrainOptions { Threads = threads }, warmupSteps: 2, timedSteps: 8, ct);
        var gen = StudentBenchmark.Generation(config, prompts: 32, maxNewTokens: 64, threads, ct);
        double fraction = train.FlopsPerSecond / peak;

        output.WriteLine($"lab student: {train.Parameters:N0} parameters, {config.Layers} layers × {config.EmbedDim} dim, {config.Heads} heads, block {config.BlockSize}; {threads} torch threads");
        output.WriteLine($"{"measure",-34} {"value",14}  note");
        Row(output, "matmul peak (GFLOP/s)", peak / 1e9, "best 1024×1024 float32 matmul over 2 s");
        Row(output, "train tokens/s", train.TokensPerSecond, $"{train.Steps} AdamW steps of {train.BatchSize}×{train.BlockSize} tokens");
        Row(output, "train FLOP/token (M)", train.FlopsPerToken / 1e6, "6·N + 12·L·C·T (PaLM app. B)");
        Row(output, "train GFLOP/s", train.FlopsPerSecond / 1e9, "");
        Row(output, "fraction of matmul peak", fraction, "");
        Row(output, "generate tokens/s (KV cache)", gen.TokensPerSecond, $"greedy, batch {gen.Prompts}, up to {gen.MaxNewTokens} new tokens");
        Row(output, "generate tokens/s (no cache)", gen.UncachedTokensPerSecond, $"batch {Math.Max(1, gen.Prompts / 4)}, full prefix each token");
        return Task.FromResult<IReadOnlyDictionary<string, object>>(new Dictionary<string, object>
        {
            ["train_tokens_per_second"] = Math.Round(train.TokensPerSecond, 1),
            ["gen_tokens_per_second"] = Math.Round(gen.TokensPerSecond, 1),
            ["peak_fraction"] = Math.Round(fraction, 4),
            ["matmul_peak_gflops"] = Math.Round(peak / 1e9, 2),
            ["train_gflops"] = Math.Round(train.FlopsPerSecond / 1e9, 3),
            ["gen_uncached_tokens_per_second"] = Math.Round(gen.UncachedTokensPerSecond, 1),
            ["parameters"] = train.Parameters,
            ["threads"] = threads,
        });

        static void Row(TextWriter w, string name, double value, string note) =>
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-34} {value,14:N2}  {note}"));
    }
}
