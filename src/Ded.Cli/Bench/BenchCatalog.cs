namespace Ded.Cli.Bench;

/// <summary>A benchmark: prints a readable table, returns the figures that `ded bench` prints as its last JSON line.</summary>
internal sealed record BenchDefinition(string Name, string Description,
    Func<TextWriter, CancellationToken, Task<IReadOnlyDictionary<string, object>>> RunAsync);

internal static class BenchCatalog
{
    public static IReadOnlyList<BenchDefinition> All { get; } =
    [
        new BenchDefinition("client", "Endpoint client stack: 100,000 requests, 256 in flight, against an instant loopback server",
            ClientBench.RunAsync),
        TrainBench.Definition,
        LevenshteinBench.Definition,
        new BenchDefinition("dedup", DedupBench.Description, DedupBench.RunAsync),
        new BenchDefinition("verify-math",
            "Math answer verification on the shared Math-Verify cases: per second (1 core, all cores), p50/p99 latency.",
            VerifyMathBench.RunAsync),
        SandboxBench.Definition,
        ServeBench.Definition,
        PipelineBench.Definition,
    ];
}
