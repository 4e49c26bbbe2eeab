using System.Text.Json;
using System.Text.Json.Serialization;
using Ded.Data;
using Ded.Runs;
using Ded.Training;
using Ded.Verification;

namespace Ded.Evaluation;

/// <summary>A question as the evaluation asks it: the question (gold, tests) and the prompt sent (with any instruction).</summary>
public sealed record EvalQuestion(Question Question, string Prompt)
{
    public string Id => Question.Id;
}

/// <summary>
/// The one evaluation path, for an in-process student, a served one and `ded eval` alike: k samples per question
/// from the student, each graded by the verifier (a truncated answer is wrong, as the field scores it; a failed
/// request is an error, counted), then avg@k, maj@k and pass@k with intervals (<see cref="Score"/>).
/// </summary>
public static class EvaluationStage
{
    private static readonly JsonSerializerOptions JsonLine = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>
    /// Draws every question's samples in one call (the student batches or parallelises them) and grades each. Each
    /// graded sample is written to <paramref name="samplesOut"/> (one JSON line) and kept without its response:
    /// 500 questions × 16 samples × 32k-token answers would not fit in memory otherwise.
    /// </summary>
    /// <returns>For each question, in order, its k graded samples.</returns>
    /// <exception cref="ArgumentException">No questions, or fewer than one sample.</exception>
    public static Task<IReadOnlyList<IReadOnlyList<EvalSample>>> RunAsync(IStudentSampler student, IReadOnlyList<EvalQuestion> questions,
        IVerifier verifier, EvalOptions options, TextWriter? samplesOut, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(student);
        ArgumentNullException.ThrowIfNull(verifier);
        if (questions.Count == 0) throw new ArgumentException("the benchmark has no questions", nameof(questions));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Samples, 1);
        return RunCoreAsync();

        async Task<IReadOnlyList<IReadOnlyList<EvalSample>>> RunCoreAsync()
        {
            var drawn = await student.SampleAsync(questions.Select(q => q.Prompt).ToArray(), new SampleOptions
            {
                SamplesPerPrompt = options.Samples, Temperature = (float)options.Temperature, TopP = (float)options.TopP,
                MaxNewTokens = options.MaxTokens, Seed = (int)options.Seed,
                Progress = progress is null ? null : new Scaled(progress, options.Samples),
            }, cancellationToken);
            var graded = new IReadOnlyList<EvalSample>[questions.Count];
            for (int q = 0; q < questions.Count; q++)
            {
                var row = new EvalSample[drawn[q].Count];
                for (int i = 0; i < row.Length; i++)
                {
                    var sample = await GradeAsync(questions[q].Question, i, drawn[q][i], verifier, options.Seed, cancellationToken);
                    samplesOut?.WriteLine(JsonSerializer.Serialize(sample, JsonLine));
                    row[i] = sample with { Response = "" };
                }
                graded[q] = row;
            }
            return graded;
        }
    }

    private static async Task<EvalSample> GradeAsync(Question question, int index, StudentSample sample, IVerifier verifier, long seed, CancellationToken ct)
    {
        var row = new EvalSample { QuestionId = question.Id, Index = index, Seed = seed, Status = "truncated", IsTruncated = sample.IsTruncated, Response = sample.Text };
        // why: one request that exhausted its retries must not throw away hours of other samples; it counts as wrong.
        if (sample.Error is { } error) return row with { Status = "error", Reason = error, IsTruncated = false };
        if (sample.IsTruncated) return row; // the field scores a cut-off answer as wrong (and counts it)
        var verdict = await verifier.VerifyAsync(question, Answer.Of($"{question.Id}.{index}", sample.Text), ct);
        return row with { Status = verdict.Status ?? RunStore.Snake(verdict.Kind), Reason = verdict.Reason, IsCorrect = verdict.IsCorrect, Answer = verdict.Answer };
    }

    /// <summary>Prompts answered, reported as samples drawn.</summary>
    private sealed class Scaled(IProgress<int> samples, int perPrompt) : IProgress<int>
    {
        public void Report(int prompts) => samples.Report(prompts * perPrompt);
    }

    /// <summary>The graded samples as the statistics read them.</summary>
    public static IReadOnlyList<IReadOnlyList<GradedSample>> Graded(IReadOnlyList<IReadOnlyList<EvalSample>> rows) =>
        rows.Select(r => (IReadOnlyList<GradedSample>)r.Select(s => new GradedSample(s.Answer, s.IsCorrect, s.IsTruncated)).ToArray()).ToArray();

    /// <summary>results.json: avg@n, maj@n (unless <paramref name="votes"/> is false: programs do not vote), pass@1 and pass@n with 95% intervals.</summary>
    public static EvalResult Score(string benchmark, string model, IReadOnlyList<EvalQuestion> items, IReadOnlyList<IReadOnlyList<EvalSample>> rows,
        EvalOptions options, bool votes)
    {
        var graded = Graded(rows);
        int n = options.Samples;
        var perQuestion = items.Select((item, q) =>
        {
            var majority = Statistics.MajorityVote(graded[q]);
            int correct = rows[q].Count(s => s.IsCorrect);
            return new QuestionScore(item.Id, item.Question.GoldAnswer, n, correct, (double)correct / n, votes && majority?.IsCorrect == true,
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
