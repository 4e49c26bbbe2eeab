using System.Diagnostics;
using Ded.Student.Inference;
using Ded.Student.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Ded.Student;

/// <summary>Training throughput of the lab student: tokens/s, and FLOP/s against the machine's matmul peak.</summary>
public sealed record TrainThroughput(long Parameters, int BatchSize, int BlockSize, int Steps, double Seconds,
    double TokensPerSecond, double FlopsPerToken, double FlopsPerSecond);

/// <summary>Batched generation throughput with the KV cache, and without it on the same prompts for comparison.</summary>
public sealed record GenerationThroughput(int Prompts, int MaxNewTokens, long TokensGenerated, double Seconds,
    double TokensPerSecond, double UncachedTokensPerSecond);

/// <summary>Measurements behind `ded bench train`. Each runs the real code path (Trainer, Generator) on synthetic data.</summary>
public static class StudentBenchmark
{
    /// <summary>Best float32 matmul rate over repeated n×n products for about <paramref name="budget"/>: 2n³ FLOP each.</summary>
    public static double MatmulPeakFlopsPerSecond(int n, TimeSpan budget, int threads, CancellationToken ct)
    {
        TorchRuntime.UseThreads(threads);
        using var generator = new torch.Generator(0, CPU);
        using var a = randn([n, n], generator: generator);
        using var b = randn([n, n], generator: generator);
        for (int i = 0; i < 2; i++) a.matmul(b).Dispose(); // warm up the BLAS kernels and thread pool
        double best = 0;
        var total = Stopwatch.StartNew();
        while (total.Elapsed < budget)
        {
            ct.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            using var product = a.matmul(b); // a 4 MB allocation is noise next to 2 GFLOP
            best = Math.Max(best, 2.0 * n * n * n / clock.Elapsed.TotalSeconds);
        }
        return best;
    }

    /// <summary>Forward + backward + AdamW steps of the trainer on full rows of random text, after warm-up steps.
    /// FLOP per token = 6·N (weights, forward and backward) + 12·L·C·T (attention scores and weighted sum), the
    /// estimate of PaLM (Chowdhery et al. 2022, appendix B) and nanoGPT's estimate_mfu; N includes the tied head.</summary>
    public static TrainThroughput Training(TinyGptConfig config, TrainOptions options, int warmupSteps, int timedSteps, CancellationToken ct)
    {
        using var model = new TinyGpt(config, seed: 0);
        int block = options.BlockSize ?? config.BlockSize;
        var random = new Random(0);
        var text = new string(Enumerable.Range(0, block * 2).Select(_ => (char)random.Next(32, 127)).ToArray());
        var examples = Enumerable.Range(0, options.BatchSize * 4)
            .Select(i => TokenizedExample.ForPretraining(CharTokenizer.Lab, text.Substring(i % block, block - 1))).ToList(); // exactly one row each
        var timer = new Stopwatch();
        void OnStep(int step, float _) { if (step == warmupSteps) timer.Start(); }
        Trainer.Train(model, CharTokenizer.Lab, examples, options with { Steps = warmupSteps + timedSteps, WarmupSteps = 1 }, null, OnStep, ct);
        timer.Stop();
        double tokens = (double)timedSteps * options.BatchSize * block;
        double flopsPerToken = 6.0 * model.ParameterCount + 12.0 * config.Layers * config.EmbedDim * block;
        double seconds = timer.Elapsed.TotalSeconds;
        return new TrainThroughput(model.ParameterCount, options.BatchSize, block, timedSteps, seconds,
            tokens / seconds, flopsPerToken, tokens / seconds * flopsPerToken);
    }

    /// <summary>Greedy batched decoding of lab-style prompts; tokens counted up to each completion's end.</summary>
    public static GenerationThroughput Generation(TinyGptConfig config, int prompts, int maxNewTokens, int threads, CancellationToken ct)
    {
        TorchRuntime.UseThreads(threads);
        using var model = new TinyGpt(config, seed: 0);
        var texts = Enumerable.Range(0, prompts).Select(i => LabStudent.FormatPrompt($"{17 * i + 3}+{29 * i + 5}")).ToList();
        var options = new GenerateOptions { MaxNewTokens = maxNewTokens, Temperature = 0, BatchSize = prompts };
        Inference.Generator.Generate(model, CharTokenizer.Lab, texts.Take(2).ToList(), options with { MaxNewTokens = 4 }, ct); // warm-up
        var (tokens, seconds) = Timed(() => Inference.Generator.Generate(model, CharTokenizer.Lab, texts, options, ct));
        // without the cache on a quarter of the prompts: every token recomputes the whole prefix
        var few = texts.Take(Math.Max(1, prompts / 4)).ToList();
        var (uncachedTokens, uncachedSeconds) = Timed(() => Inference.Generator.Generate(model, CharTokenizer.Lab, few,
            options with { UseKvCache = false, BatchSize = few.Count }, ct));
        return new GenerationThroughput(prompts, maxNewTokens, tokens, seconds, tokens / seconds, uncachedTokens / uncachedSeconds);
    }

    private static (long Tokens, double Seconds) Timed(Func<IReadOnlyList<Completion>> generate)
    {
        var clock = Stopwatch.StartNew();
        var completions = generate();
        return (completions.Sum(c => (long)c.TokenCount), clock.Elapsed.TotalSeconds);
    }
}
