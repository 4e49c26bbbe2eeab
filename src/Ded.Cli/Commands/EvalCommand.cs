using System.CommandLine;
using System.Globalization;
using Ded.Data.Pools;
using Ded.Display;
using Ded.Evaluation;
using Ded.Teachers.Endpoints;
using Ded.Training;
using Ded.Verification.Code;

namespace Ded.Cli.Commands;

/// <summary>`ded eval --endpoint URL --model NAME --benchmark math500|aime24|aime25|gpqa|FILE ...`: the field's protocol through an endpoint.</summary>
internal static class EvalCommand
{
    /// <summary>Named benchmarks: the shared file name and the pool preset that reads it.</summary>
    private static readonly Dictionary<string, (string File, string Preset)> Named = new(StringComparer.OrdinalIgnoreCase)
    {
        ["math500"] = ("math500.jsonl", "math500"),
        ["aime24"] = ("aime24.jsonl", "aime"),
        ["aime25"] = ("aime25.jsonl", "aime"),
        ["gpqa"] = ("gpqa_diamond.jsonl", "gpqa"),
    };

    public static Command Create()
    {
        var d = new EvalOptions();
        var endpoint = new Option<string>("--endpoint") { Description = "OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1", Required = true };
        var model = new Option<string>("--model") { Description = "Model name the endpoint serves", Required = true };
        var keyEnv = new Option<string?>("--api-key-env") { Description = "Environment variable holding the API key (never the key itself)" };
        var benchmark = new Option<string>("--benchmark") { Description = "math500 | aime24 | aime25 | gpqa (from ../shared/data beside the repository) or a file", Required = true };
        var preset = new Option<string?>("--preset") { Description = $"Pool preset for a benchmark file ({string.Join(", ", PoolPresets.Names)}); default: problem/answer fields" };
        var n = new Option<int>("--n") { Description = "Samples per question (avg@n, maj@n, pass@n)", DefaultValueFactory = _ => d.Samples };
        var temperature = new Option<double>("--temperature") { DefaultValueFactory = _ => d.Temperature };
        var topP = new Option<double>("--top-p") { DefaultValueFactory = _ => d.TopP };
        var maxTokens = new Option<int>("--max-tokens") { DefaultValueFactory = _ => d.MaxTokens };
        var seed = new Option<long>("--seed") { Description = "Base seed; each sample derives its own", DefaultValueFactory = _ => d.Seed };
        var concurrency = new Option<int>("--max-in-flight") { Description = "Requests in flight at once", DefaultValueFactory = _ => d.MaxConcurrency };
        var limit = new Option<int?>("--limit") { Description = "Only the first N questions" };
        var output = new Option<string?>("--out") { Description = "Folder for results.json and samples.jsonl (default: evals/<benchmark>-<UTC timestamp>)" };
        var command = new Command("eval", "Evaluate a model behind an endpoint on a benchmark: avg@n, maj@n, pass@k with 95% bootstrap intervals.")
        {
            endpoint, model, keyEnv, benchmark, preset, n, temperature, topP, maxTokens, seed, concurrency, limit, output,
        };
        command.SetAction((parse, ct) => CliSupport.GuardAsync(() => DataCommandErrors.RunAsync(async () =>
        {
            var name = parse.GetValue(benchmark)!;
            var (path, mapping) = Resolve(name, parse.GetValue(preset));
            var options = new EvalOptions
            {
                Samples = Positive(parse.GetValue(n), "--n"), Temperature = parse.GetValue(temperature), TopP = parse.GetValue(topP),
                MaxTokens = Positive(parse.GetValue(maxTokens), "--max-tokens"), Seed = parse.GetValue(seed),
                MaxConcurrency = Positive(parse.GetValue(concurrency), "--max-in-flight"),
            };
            var items = await BenchmarkEvaluation.LoadAsync(path, mapping, parse.GetValue(limit), ct);
            var endpointOptions = new EndpointOptions
            {
                BaseUrls = [parse.GetValue(endpoint)!], Model = parse.GetValue(model)!, ApiKeyEnv = parse.GetValue(keyEnv),
                MaxInFlight = options.MaxConcurrency,
            };
            endpointOptions.Validate();
            // The model is evaluated as any served student is: k = n samples per request, graded by the benchmark's verifier.
            using var student = new EndpointStudent(endpointOptions);
            var task = BenchmarkEvaluation.TaskOf(mapping.Shape);
            var verifier = BenchmarkEvaluation.VerifierFor(task, options, () => new LinuxSandbox());
            Console.Out.WriteLine(TerminalText.Line($"eval: {items.Count} questions × {options.Samples} samples of {endpointOptions.Model} on {Path.GetFileName(path)}"));
            var folder = parse.GetValue(output) ?? Path.Combine("evals", $"{Path.GetFileNameWithoutExtension(name)}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
            Directory.CreateDirectory(folder);
            EvalResult result;
            await using (var samples = new StreamWriter(Path.Combine(folder, "samples.jsonl")))
            {
                var graded = await EvaluationStage.RunAsync(student, items, verifier, options, samples, new EveryTenth(items.Count * options.Samples), ct);
                result = EvaluationStage.Score(name, endpointOptions.Model, items, graded, options, votes: task != BenchmarkTask.Code);
            }
            var written = BenchmarkEvaluation.WriteResults(folder, result);
            Print(result);
            Console.Out.WriteLine($"results: {written}");
            return 0;
        })));
        return command;
    }

    /// <summary>A named benchmark from the shared data folder, or a file read with a preset.</summary>
    internal static (string Path, PoolMapping Mapping) Resolve(string benchmark, string? preset)
    {
        var mapping = preset is null ? null : PoolPresets.Get(preset);
        if (Named.TryGetValue(benchmark, out var named))
        {
            var dir = SharedDataDirectory() ?? throw new FileNotFoundException(
                $"benchmark '{benchmark}': no shared data folder found (../shared/data beside the repository root, or DED_SHARED_DATA); pass a file instead");
            var file = System.IO.Path.Combine(dir, named.File);
            if (!File.Exists(file)) throw new FileNotFoundException($"benchmark '{benchmark}': {file} not found; pass the file with --benchmark FILE");
            return (file, mapping ?? PoolPresets.Get(named.Preset));
        }
        if (!File.Exists(benchmark))
            throw new FileNotFoundException($"--benchmark: '{benchmark}' is neither a known benchmark ({string.Join(", ", Named.Keys)}) nor an existing file");
        return (benchmark, mapping ?? new PoolMapping());
    }

    private static string? SharedDataDirectory()
    {
        if (Environment.GetEnvironmentVariable("DED_SHARED_DATA") is { Length: > 0 } env) return env;
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Ded.sln")) && Directory.Exists(Path.Combine(dir.FullName, "..", "shared", "data")))
                    return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data"));
        return null;
    }

    private static int Positive(int value, string name) =>
        value >= 1 ? value : throw new ArgumentException($"{name} must be at least 1 (got {value})");

    private static void Print(EvalResult r)
    {
        static string F(Score s) => string.Create(CultureInfo.InvariantCulture, $"{s.Mean:0.000} [{s.Low:0.000}, {s.High:0.000}]");
        Console.Out.WriteLine($"avg@{r.N}:   {F(r.AvgAtN)}");
        if (r.MajAtN is { } maj) Console.Out.WriteLine($"maj@{r.N}:   {F(maj)}");
        Console.Out.WriteLine($"pass@1:   {F(r.PassAt1)}");
        Console.Out.WriteLine($"pass@{r.N}:  {F(r.PassAtN)}");
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"truncated {r.TruncationRate:P1}, no answer {r.NoAnswerRate:P1}, request errors {r.Errors}"));
    }

    /// <summary>A plain progress line every tenth of the samples (logs stay greppable; no live bar for long runs).</summary>
    private sealed class EveryTenth(int total) : IProgress<int>
    {
        public void Report(int done)
        {
            if (done == total || done % Math.Max(1, total / 10) == 0) Console.Out.WriteLine($"samples: {done}/{total}");
        }
    }
}
