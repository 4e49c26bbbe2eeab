using System.Diagnostics;
using Ded.Verification.Code;

namespace Ded.Cli.Bench;

/// <summary>`ded bench sandbox`: isolated runs per second, for a trivial program and for HumanEval's canonical
/// solutions (each run: fresh namespaces, read-only root, dropped privileges, rlimits, one forked test).</summary>
internal static class SandboxBench
{
    private const int TrivialRuns = 400;

    public static BenchDefinition Definition { get; } = new("sandbox",
        "Sandboxed Python runs per second: a trivial program, then HumanEval's 164 canonical solutions.", RunAsync);

    private static async Task<IReadOnlyDictionary<string, object>> RunAsync(TextWriter output, CancellationToken ct)
    {
        var sandbox = new LinuxSandbox();
        await sandbox.ProbeAsync(ct);
        var verifier = new CodeVerifier(sandbox);
        var trivial = Enumerable.Range(0, TrivialRuns).Select(i => new CodeTask
        {
            Id = "trivial/" + i, Response = "print(int(input()) + 1)", Tests = new StdioTests([new StdioCase(i.ToString(), (i + 1).ToString())]),
        }).ToArray();
        var (runsPerSecond, trivialPassed) = await MeasureAsync(verifier, trivial, ct);
        var humanEval = LoadHumanEval();
        var (humanEvalPerSecond, humanEvalPassed) = await MeasureAsync(verifier, humanEval, ct);
        output.WriteLine($"{"workload",-28} {"runs",6} {"passed",7} {"runs/s",8}");
        output.WriteLine($"{"trivial (stdin -> stdout)",-28} {trivial.Length,6} {trivialPassed,7} {runsPerSecond,8:F1}");
        output.WriteLine($"{"humaneval canonical",-28} {humanEval.Length,6} {humanEvalPassed,7} {humanEvalPerSecond,8:F1}");
        output.WriteLine($"workers: {sandbox.Concurrency}, cores: {Environment.ProcessorCount}");
        return new Dictionary<string, object>
        {
            ["runs_per_second"] = Math.Round(runsPerSecond, 1),
            ["humaneval_per_second"] = Math.Round(humanEvalPerSecond, 1),
            ["cores"] = Environment.ProcessorCount,
        };
    }

    private static async Task<(double PerSecond, int Passed)> MeasureAsync(CodeVerifier verifier, CodeTask[] tasks, CancellationToken ct)
    {
        var options = new CodeVerifyOptions();
        var clock = Stopwatch.StartNew();
        var verdicts = await Task.WhenAll(tasks.Select(t => verifier.VerifyAsync(t, options, ct)));
        return (tasks.Length / clock.Elapsed.TotalSeconds, verdicts.Count(v => v.IsPassed));
    }

    private static CodeTask[] LoadHumanEval()
    {
        var path = FindSharedFile("humaneval.jsonl");
        return File.ReadLines(path).Where(l => l.Length > 0).Select((line, i) =>
        {
            var o = System.Text.Json.Nodes.JsonNode.Parse(line)!.AsObject();
            o["completion"] = o["canonical_solution"]!.ToString();
            return CodeTaskJson.Parse(o.ToJsonString(), $"{path}:{i + 1}");
        }).ToArray();
    }

    private static string FindSharedFile(string name)
    {
        var dir = Environment.GetEnvironmentVariable("DED_SHARED_DATA");
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); dir is null && d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Ded.sln")))
                dir = Path.Combine(d.FullName, "..", "shared", "data");
        var path = Path.GetFullPath(Path.Combine(dir ?? ".", name));
        return File.Exists(path) ? path
            : throw new FileNotFoundException($"{path}: HumanEval data missing (set DED_SHARED_DATA to the shared data folder)");
    }
}
