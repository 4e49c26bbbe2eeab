using System.Text.Json;
using System.Text.Json.Serialization;
using Ded.Data.Pools;
using Ded.Data;
using Ded.Verification;
using Ded.Verification.Code;
using Ded.Verification.Math;

namespace Ded.Evaluation;

/// <summary>How a benchmark's answers are checked.</summary>
public enum BenchmarkTask { Math, Choice, Code }

/// <summary>The field's evaluation protocol (DED.md "Evaluation"; DeepSeek-R1 and s1 report the same settings).</summary>
public sealed record EvalOptions
{
    public int Samples { get; init; } = 16;            // n: avg@16 on AIME, as the paper reports
    public double Temperature { get; init; } = 0.6;
    public double TopP { get; init; } = 0.95;
    public int MaxTokens { get; init; } = 32768;        // the reasoning budget the field evaluates under
    public long Seed { get; init; }                     // base seed; each sample derives its own
    public int MaxConcurrency { get; init; } = 64;         // a served model's requests in flight (its endpoint's max_in_flight)
    public MathVerifyOptions Math { get; init; } = MathVerifyOptions.Default;
    public CodeVerifyOptions Code { get; init; } = new();
    public BootstrapOptions Bootstrap { get; init; } = new();

    /// <summary>Appended to every math problem (DeepSeek-R1's evaluation prompt).</summary>
    public const string MathInstruction = "Please reason step by step, and put your final answer within \\boxed{}.";
    /// <summary>Appended to multiple-choice questions after the lettered options.</summary>
    public const string ChoiceInstruction = "Please reason step by step, and put the letter of your final answer within \\boxed{}.";
    /// <summary>Appended to code problems.</summary>
    public const string CodeInstruction = "Please reason step by step, then write a complete Python 3 program in a ```python code block.";
}

/// <summary>One graded sample (a line of samples.jsonl).</summary>
public sealed record EvalSample
{
    public required string QuestionId { get; init; }
    public required int Index { get; init; }
    public required long Seed { get; init; }
    /// <summary>correct, wrong, no_answer, truncated, gold_unparsed, timeout, error, or a code status.</summary>
    public required string Status { get; init; }
    public string? Answer { get; init; }
    /// <summary>The verifier's reason (or the request's error).</summary>
    public string Reason { get; init; } = "";
    public bool IsCorrect { get; init; }
    public bool IsTruncated { get; init; }
    public string? FinishReason { get; init; }
    public long OutputTokens { get; init; }
    public string Response { get; init; } = "";
}

/// <summary>One question's row of the per-question breakdown.</summary>
public sealed record QuestionScore(string Id, string Gold, int Samples, int Correct, double Accuracy, bool MajorityCorrect,
    string? MajorityAnswer, double PassAtN, int Truncated, int NoAnswer);

/// <summary>results.json: the scores with 95% intervals, the settings that produced them, and the breakdown.</summary>
public sealed record EvalResult
{
    public required string Benchmark { get; init; }
    public required string Model { get; init; }
    public required int Questions { get; init; }
    public required int N { get; init; }
    public required double Temperature { get; init; }
    public required double TopP { get; init; }
    public required int MaxTokens { get; init; }
    public required long Seed { get; init; }
    public required BootstrapOptions Bootstrap { get; init; }
    [JsonPropertyName("avg_at_n")] public required Score AvgAtN { get; init; }
    /// <summary>Null for code, where answers are programs and do not vote.</summary>
    [JsonPropertyName("maj_at_n")] public Score? MajAtN { get; init; }
    [JsonPropertyName("pass_at_1")] public required Score PassAt1 { get; init; }
    [JsonPropertyName("pass_at_n")] public required Score PassAtN { get; init; }
    public required double TruncationRate { get; init; }
    public required double NoAnswerRate { get; init; }
    public required int Errors { get; init; }
    public required IReadOnlyList<QuestionScore> PerQuestion { get; init; }
}

/// <summary>
/// `ded eval`'s benchmarks: a pool file read into evaluation questions (the prompt with the field's instruction) and
/// the verifier its shape needs. The sampling, grading and scoring are <see cref="EvaluationStage"/>'s, as for every
/// student.
/// </summary>
public static class BenchmarkEvaluation
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        WriteIndented = true,
    };

    /// <summary>Reads a benchmark file with a pool mapping into prompts; the mapping's shape picks math, choice or code.</summary>
    /// <exception cref="InvalidDataException">A bad row (<c>file:line: field what</c>) or a math row without an answer.</exception>
    public static async Task<IReadOnlyList<EvalQuestion>> LoadAsync(string path, PoolMapping mapping, int? limit, CancellationToken ct)
    {
        var items = new List<EvalQuestion>();
        await foreach (var row in PoolReader.ReadAsync(path, mapping, ct))
        {
            if (limit is { } max && items.Count >= max) break;
            items.Add(ToItem(row, mapping.Shape));
        }
        return items;
    }

    /// <summary>How a benchmark of this shape is graded.</summary>
    public static BenchmarkTask TaskOf(PoolShape shape) =>
        shape switch { PoolShape.MultipleChoice => BenchmarkTask.Choice, PoolShape.CodeTests => BenchmarkTask.Code, _ => BenchmarkTask.Math };

    /// <summary>The verifier of a task; <paramref name="sandbox"/> is made only for code.</summary>
    public static IVerifier VerifierFor(BenchmarkTask task, EvalOptions options, Func<ISandbox> sandbox) => task switch
    {
        BenchmarkTask.Code => new CodeAnswerVerifier(sandbox(), options.Code),
        BenchmarkTask.Choice => new MathAnswerVerifier(options.Math with { Extraction = MathExtraction.Choice }),
        _ => new MathAnswerVerifier(options.Math),
    };

    internal static EvalQuestion ToItem(PoolRow row, PoolShape shape)
    {
        var question = new Question
        {
            Id = row.Id, Source = row.Source, Text = row.Question, GoldAnswer = row.Answer ?? "",
            Domain = shape == PoolShape.CodeTests ? "code" : "math",
            Metadata = row.Tests.Count == 0 ? new Dictionary<string, string>() : new Dictionary<string, string>
            {
                [PoolCodeTests.TestsKey] = PoolCodeTests.ToJson(row.Tests),
                [PoolCodeTests.FunctionKey] = row.FunctionName ?? "",
            }.Where(kv => kv.Value.Length > 0).ToDictionary(),
        };
        return shape switch
        {
            // the pool row already lists the lettered options
            PoolShape.MultipleChoice => new EvalQuestion(question, row.Question + "\n\n" + EvalOptions.ChoiceInstruction),
            PoolShape.CodeTests => new EvalQuestion(question, row.Question + "\n\n" + EvalOptions.CodeInstruction),
            _ => new EvalQuestion(question with
            {
                GoldAnswer = row.Answer ?? throw new InvalidDataException($"{row.Source}: the answer field is missing; map it with --preset"),
            }, row.Question + "\n\n" + EvalOptions.MathInstruction),
        };
    }

    /// <summary>Writes results.json into <paramref name="folder"/>; returns its path.</summary>
    public static string WriteResults(string folder, EvalResult result)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "results.json");
        File.WriteAllText(path, ResultsJson(result));
        return path;
    }

    /// <summary>results.json's text.</summary>
    public static string ResultsJson(EvalResult result) => JsonSerializer.Serialize(result, Json);
}
