using Ded.Data;
using Ded.Evaluation;
using Ded.Recipes;
using Ded.Runs;
using Ded.Training;
using Ded.Verification;
using Ded.Verification.Code;

namespace Ded.TeacherSelection;

/// <summary>A benchmark ready to ask: its prompts (with the field's instruction) and the verifier its answers need.</summary>
internal sealed record LoadedBenchmark(string Name, IReadOnlyList<EvalQuestion> Items, IVerifier Verifier, bool Votes);

/// <summary>What one trained student scored: avg@n over every benchmark's questions pooled, and per benchmark.</summary>
public sealed record StudentScore(Score Score, IReadOnlyDictionary<string, Score> Benchmarks);

/// <summary>
/// The smoke test's evaluation, through the `ded eval` machinery: a `pool:` benchmark is read as `ded eval` reads a
/// file with its preset (the prompt with the field's instruction, the verifier its shape needs); any other source
/// (a lab pool) is asked as it is and graded by its own verifier. Each benchmark's graded samples and results.json go
/// into the run folder.
/// </summary>
internal sealed class SmokeBenchmarks(IReadOnlyList<LoadedBenchmark> benchmarks, EvalOptions options)
{
    public IReadOnlyList<LoadedBenchmark> All => benchmarks;
    public EvalOptions Options => options;

    /// <exception cref="InvalidOperationException">A benchmark file is missing or has a bad row.</exception>
    public static async Task<SmokeBenchmarks> LoadAsync(Recipe recipe, SmokeEvaluation evaluation, Func<ISandbox> sandbox, CancellationToken ct)
    {
        var options = new EvalOptions
        {
            Samples = evaluation.Samples, Temperature = evaluation.Temperature, TopP = evaluation.TopP, MaxTokens = evaluation.MaxTokens,
            Seed = evaluation.Seed, Math = recipe.Verifier.MathOptions(),
        };
        var loaded = new List<LoadedBenchmark>();
        foreach (var b in evaluation.Benchmarks)
        {
            try
            {
                loaded.Add(b.Source is PoolSource pool ? await FromPoolAsync(b, pool, options, sandbox, ct) : FromSource(b, recipe, sandbox));
            }
            catch (Exception e) when (e is FileNotFoundException or InvalidDataException)
            {
                throw new InvalidOperationException($"select_teacher.evaluation.benchmarks ({b.Name}): {e.Message}", e);
            }
        }
        return new SmokeBenchmarks(loaded, options);
    }

    private static async Task<LoadedBenchmark> FromPoolAsync(SmokeBenchmark b, PoolSource pool, EvalOptions options, Func<ISandbox> sandbox, CancellationToken ct)
    {
        var items = await BenchmarkEvaluation.LoadAsync(pool.Path, pool.Mapping, b.Limit, ct);
        var task = BenchmarkEvaluation.TaskOf(pool.Mapping.Shape);
        return new LoadedBenchmark(b.Name, items, BenchmarkEvaluation.VerifierFor(task, options, sandbox), task != BenchmarkTask.Code);
    }

    private static LoadedBenchmark FromSource(SmokeBenchmark b, Recipe recipe, Func<ISandbox> sandbox)
    {
        var kind = b.Source.Verifier ?? recipe.Verifier.Kind;
        var instruction = kind switch { VerifierSpec.Math => EvalOptions.MathInstruction, VerifierSpec.Code => EvalOptions.CodeInstruction, _ => null };
        var questions = b.Source.Load().Take(b.Limit ?? int.MaxValue);
        var items = questions.Select(q => new EvalQuestion(q, instruction is null ? q.Text : q.Text + "\n\n" + instruction)).ToList();
        var (verifier, _) = Verifiers.Create(recipe.Verifier with { Kind = kind, Judge = null }, sandbox, recipe.Extensions);
        return new LoadedBenchmark(b.Name, items, verifier, kind != VerifierSpec.Code);
    }

    /// <summary>Asks <paramref name="student"/> every benchmark (samples and results into <paramref name="folder"/> of the run).</summary>
    public async Task<StudentScore> EvaluateAsync(RunStore store, IStudentSampler student, string model, string folder, CancellationToken ct)
    {
        var perQuestion = new List<double>();
        var scores = new Dictionary<string, Score>();
        foreach (var b in benchmarks)
        {
            IReadOnlyList<IReadOnlyList<EvalSample>> rows = [];
            await store.WriteFileAtomicallyAsync($"{folder}/{b.Name}/samples.jsonl", async (stream, token) =>
            {
                await using var writer = new StreamWriter(stream);
                rows = await EvaluationStage.RunAsync(student, b.Items, b.Verifier, options, writer, null, token);
            }, ct);
            var result = EvaluationStage.Score(b.Name, model, b.Items, rows, options, b.Votes);
            store.WriteFileAtomically($"{folder}/{b.Name}/results.json", BenchmarkEvaluation.ResultsJson(result));
            scores[b.Name] = result.AvgAtN;
            perQuestion.AddRange(result.PerQuestion.Select(q => q.Accuracy));
        }
        return new StudentScore(Statistics.Bootstrap(perQuestion, options.Bootstrap), scores);
    }
}
