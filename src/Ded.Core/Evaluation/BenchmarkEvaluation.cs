using System.Text.Json;
using System.Text.Json.Serialization;
using Ded.Data.Pools;
using Ded.Rollouts;
using Ded.Teachers.Endpoints;
using Ded.Verification.Code;
using Ded.Verification.Math;
using Microsoft.Extensions.AI;

namespace Ded.Evaluation;

/// <summary>How a benchmark's answers are checked.</summary>
public enum BenchmarkTask { Math, Choice, Code }

/// <summary>One benchmark question as sent: the full user prompt, and what its answers are checked against.</summary>
public sealed record BenchmarkItem
{
    public required string Id { get; init; }
    public required string Prompt { get; init; }
    public required BenchmarkTask Task { get; init; }
    /// <summary>Gold answer (the letter for multiple choice); empty for code.</summary>
    public string Gold { get; init; } = "";
    public Verification.Code.CodeTests? Tests { get; init; }
}

/// <summary>The field's evaluation protocol (DED.md "Evaluation"; DeepSeek-R1 and s1 report the same settings).</summary>
public sealed record EvalOptions
{
    public int Samples { get; init; } = 16;            // n: avg@16 on AIME, as the paper reports
    public double Temperature { get; init; } = 0.6;
    public double TopP { get; init; } = 0.95;
    public int MaxTokens { get; init; } = 32768;        // the reasoning budget the field evaluates under
    public long Seed { get; init; }                     // base seed; each sample derives its own
    public int MaxConcurrency { get; init; } = 64;
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

/// <summary>Samples a model n times per benchmark question through an endpoint client, grades every sample, and scores.</summary>
public static class BenchmarkEvaluation
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        WriteIndented = true,
    };
    private static readonly JsonSerializerOptions JsonLine = new(Json) { WriteIndented = false };

    /// <summary>Reads a benchmark file with a pool mapping into prompts; the mapping's shape picks math, choice or code.</summary>
    /// <exception cref="InvalidDataException">A bad row (<c>file:line: field what</c>) or a math row without an answer.</exception>
    public static async Task<IReadOnlyList<BenchmarkItem>> LoadAsync(string path, PoolMapping mapping, int? limit, CancellationToken ct)
    {
        var items = new List<BenchmarkItem>();
        await foreach (var row in PoolReader.ReadAsync(path, mapping, ct))
        {
            if (limit is { } max && items.Count >= max) break;
            items.Add(ToItem(row, mapping.Shape));
        }
        return items;
    }

    internal static BenchmarkItem ToItem(PoolRow row, PoolShape shape) => shape switch
    {
        PoolShape.MultipleChoice => new BenchmarkItem
        {
            Id = row.Id, Task = BenchmarkTask.Choice, Gold = row.Answer!,
            Prompt = row.Question + "\n\n" + EvalOptions.ChoiceInstruction, // the pool row already lists the lettered options
        },
        PoolShape.CodeTests => new BenchmarkItem
        {
            Id = row.Id, Task = BenchmarkTask.Code, Prompt = row.Question + "\n\n" + EvalOptions.CodeInstruction,
            Tests = PoolCodeTests.From(row.Tests, row.FunctionName),
        },
        _ => new BenchmarkItem
        {
            Id = row.Id, Task = BenchmarkTask.Math, Prompt = row.Question + "\n\n" + EvalOptions.MathInstruction,
            Gold = row.Answer ?? throw new InvalidDataException($"{row.Source}: the answer field is missing; map it with --preset"),
        },
    };

    /// <summary>
    /// Draws and grades every sample; <paramref name="sandbox"/> is needed only for code items. Each sample is written
    /// to <paramref name="samplesOut"/> (one JSON line, in completion order) as soon as it is graded, and kept in memory
    /// without its response: 500 questions × 16 samples × 32k-token answers would not fit otherwise.
    /// </summary>
    public static async Task<EvalResult> RunAsync(
        IChatClient client, string benchmark, string model, IReadOnlyList<BenchmarkItem> items, EvalOptions options,
        ISandbox? sandbox, TextWriter? samplesOut, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (items.Count == 0) throw new ArgumentException("the benchmark has no questions", nameof(items));
        if (sandbox is null && items.Any(i => i.Task == BenchmarkTask.Code))
            throw new ArgumentException("code problems need a sandbox", nameof(sandbox));
        var code = sandbox is null ? null : new CodeVerifier(sandbox);
        var samples = new EvalSample[items.Count, options.Samples];
        int done = 0;
        var work = Enumerable.Range(0, items.Count).SelectMany(q => Enumerable.Range(0, options.Samples).Select(s => (q, s)));
        await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = options.MaxConcurrency, CancellationToken = cancellationToken },
            async (job, ct) =>
            {
                var sample = await SampleAsync(client, items[job.q], job.s, options, code, ct);
                if (samplesOut is not null)
                {
                    var line = JsonSerializer.Serialize(sample, JsonLine);
                    lock (samplesOut) samplesOut.WriteLine(line);
                }
                samples[job.q, job.s] = sample with { Response = "" };
                progress?.Report(Interlocked.Increment(ref done));
            });
        var rows = Enumerable.Range(0, items.Count).Select(q => Enumerable.Range(0, options.Samples).Select(s => samples[q, s]).ToList()).ToList();
        return Score(benchmark, model, items, rows, options);
    }

    /// <summary>Writes results.json into <paramref name="folder"/>; returns its path.</summary>
    public static string WriteResults(string folder, EvalResult result)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "results.json");
        File.WriteAllText(path, JsonSerializer.Serialize(result, Json));
        return path;
    }

    private static async Task<EvalSample> SampleAsync(IChatClient client, BenchmarkItem item, int index, EvalOptions options, CodeVerifier? code, CancellationToken ct)
    {
        long seed = Hashing.Int63($"{options.Seed}|{item.Id}|{index}") & int.MaxValue;
        var chat = new ChatOptions
        {
            Temperature = (float)options.Temperature, TopP = (float)options.TopP, MaxOutputTokens = options.MaxTokens, Seed = seed,
        };
        EndpointAnswer answer;
        try
        {
            answer = EndpointAnswer.From(await client.GetResponseAsync([new ChatMessage(ChatRole.User, item.Prompt)], chat, ct));
        }
        catch (EndpointException e)
        {
            // why: one request that exhausted its retries must not throw away hours of other samples; it counts as wrong.
            return new EvalSample { QuestionId = item.Id, Index = index, Seed = seed, Status = "error", Response = e.Message };
        }
        var sample = new EvalSample
        {
            QuestionId = item.Id, Index = index, Seed = seed, Status = "truncated", IsTruncated = answer.IsTruncated,
            FinishReason = answer.FinishReason, OutputTokens = answer.OutputTokens, Response = answer.Text.FullText,
        };
        if (answer.IsTruncated) return sample; // the field scores a cut-off answer as wrong (and counts it)
        return await GradeAsync(sample, item, answer.Text.Answer, options, code, ct);
    }

    private static async Task<EvalSample> GradeAsync(EvalSample sample, BenchmarkItem item, string final, EvalOptions options, CodeVerifier? code, CancellationToken ct)
    {
        if (item.Task == BenchmarkTask.Code)
        {
            var verdict = await code!.VerifyAsync(new CodeTask { Id = item.Id, Response = final, Tests = item.Tests! }, options.Code, ct);
            return sample with
            {
                Status = CodeVerdict.StatusName(verdict.Status), IsCorrect = verdict.IsPassed,
                Answer = verdict.Status == CodeStatus.NoCode ? null : $"{verdict.TestsPassed}/{verdict.TestsTotal}",
            };
        }
        var math = options.Math with { Extraction = item.Task == BenchmarkTask.Choice ? MathExtraction.Choice : options.Math.Extraction };
        var v = MathVerifier.Verify(item.Gold, final, math, ct);
        var status = v.Status switch
        {
            MathVerifyStatus.Ok => v.Equivalent ? "correct" : "wrong",
            MathVerifyStatus.NoAnswer => "no_answer",
            MathVerifyStatus.GoldUnparsed => "gold_unparsed",
            _ => "timeout",
        };
        return sample with { Status = status, IsCorrect = v.Equivalent, Answer = v.PredNormalized };
    }

    private static EvalResult Score(string benchmark, string model, IReadOnlyList<BenchmarkItem> items, List<List<EvalSample>> rows, EvalOptions options)
    {
        var graded = rows.Select(r => (IReadOnlyList<GradedSample>)r.Select(s => new GradedSample(s.Answer, s.IsCorrect, s.IsTruncated)).ToList()).ToList();
        int n = options.Samples;
        bool votes = items.All(i => i.Task != BenchmarkTask.Code);
        var perQuestion = items.Select((item, q) =>
        {
            var majority = Statistics.MajorityVote(graded[q]);
            int correct = rows[q].Count(s => s.IsCorrect);
            return new QuestionScore(item.Id, item.Gold, n, correct, (double)correct / n, votes && majority?.IsCorrect == true,
                votes ? majority?.Answer : null, Statistics.PassAtK(n, correct, n), rows[q].Count(s => s.IsTruncated), rows[q].Count(s => s.Answer is null));
        }).ToList();
        return new EvalResult
        {
            Benchmark = benchmark, Model = model, Questions = items.Count, N = n, Temperature = options.Temperature, TopP = options.TopP,
            MaxTokens = options.MaxTokens, Seed = options.Seed, Bootstrap = options.Bootstrap,
            AvgAtN = Statistics.Bootstrap(Statistics.PerQuestionAccuracy(graded), options.Bootstrap),
            MajAtN = votes ? Statistics.Bootstrap(Statistics.PerQuestionMajority(graded), options.Bootstrap) : null,
            PassAt1 = Statistics.Bootstrap(Statistics.PerQuestionPassAtK(graded, 1), options.Bootstrap),
            PassAtN = Statistics.Bootstrap(Statistics.PerQuestionPassAtK(graded, n), options.Bootstrap),
            TruncationRate = Statistics.TruncationRate(graded),
            NoAnswerRate = Statistics.NoAnswerRate(graded),
            Errors = rows.Sum(r => r.Count(s => s.Status == "error")),
            PerQuestion = perQuestion,
        };
    }
}
