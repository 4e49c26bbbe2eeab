namespace Ded.Cli.Bench;

/// <summary>A benchmark: prints a readable table, returns the figures that `ded bench` prints as its last JSON line.</summary>
internal sealed record BenchDefinition(string Name, string Description,
    Func<TextWriter, CancellationToken, Task<IReadOnlyDictionary<string, object>>> RunAsync);

internal static class BenchCatalog
{
    public static IReadOnlyList<BenchDefinition> All { get; } =
    [
        SandboxBench.Definition,
    ];
}
