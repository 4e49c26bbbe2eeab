using Ded.Training;

namespace Ded.Evaluation;

/// <summary>A benchmark question as the evaluation sees it.</summary>
public sealed record EvalQuestion(string Id, string Prompt, string Gold);

/// <summary>How a student is evaluated: avg@k with the field's sampling settings by default.</summary>
public sealed record EvaluationOptions
{
    public int K { get; init; } = 4;                  // samples per question (the paper's avg@16, scaled to the lab)
    public float Temperature { get; init; } = 0.6f;   // the field's standard (DED.md)
    public float TopP { get; init; } = 0.95f;
    public int MaxNewTokens { get; init; } = 200;
    public int Seed { get; init; } = 1;
}

/// <summary>Samples k answers per question from a student and grades each one.</summary>
public static class EvaluationStage
{
    /// <returns>For each question, in order, its k graded samples (the input of <see cref="Statistics"/>).</returns>
    /// <exception cref="ArgumentOutOfRangeException">K below 1.</exception>
    public static Task<IReadOnlyList<IReadOnlyList<GradedSample>>> RunAsync(IStudent student, IReadOnlyList<EvalQuestion> questions,
        Func<StudentSample, string, GradedSample> grade, EvaluationOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(student);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.K, 1);
        return RunCoreAsync();

        async Task<IReadOnlyList<IReadOnlyList<GradedSample>>> RunCoreAsync()
        {
            var samples = await student.SampleAsync(questions.Select(q => q.Prompt).ToArray(), new SampleOptions
            {
                SamplesPerPrompt = options.K, Temperature = options.Temperature, TopP = options.TopP,
                MaxNewTokens = options.MaxNewTokens, Seed = options.Seed,
            }, cancellationToken);
            return questions.Select((q, i) => (IReadOnlyList<GradedSample>)samples[i].Select(s => grade(s, q.Gold)).ToArray()).ToArray();
        }
    }
}
