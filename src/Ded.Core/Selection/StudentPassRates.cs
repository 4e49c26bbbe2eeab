using Ded.Data;
using Ded.Training;
using Ded.Verification;

namespace Ded.Selection;

/// <summary>
/// The student's pass rate on a question (DED §2, question compression): the fraction of k sampled answers that the
/// recipe's verifier grades correct (a truncated answer is wrong, as in evaluation). <see cref="PrepareAsync"/> draws
/// many questions' samples in one call, which a CPU student decodes several times faster than one question at a time;
/// questions not prepared are sampled on demand, one question per call (as a served student is asked: n = k).
/// </summary>
public sealed class StudentPassRates(IStudentSampler student, IVerifier verifier, SampleOptions sampling) : IPassRateEstimator
{
    private readonly Dictionary<string, PassRate> _rates = new(StringComparer.Ordinal);

    public async Task PrepareAsync(IReadOnlyList<Question> questions, int k, CancellationToken cancellationToken)
    {
        var samples = await student.SampleAsync(questions.Select(q => q.Text).ToArray(), sampling with { SamplesPerPrompt = k }, cancellationToken);
        for (int i = 0; i < questions.Count; i++)
            _rates[questions[i].Id] = await RateAsync(questions[i], samples[i], cancellationToken);
    }

    public async ValueTask<PassRate> EstimatePassRateAsync(Question question, int k, CancellationToken cancellationToken)
    {
        if (_rates.TryGetValue(question.Id, out var rate)) return rate;
        // Not kept: compression asks once per question, and a run's worth of rates would grow with the run.
        var samples = await student.SampleAsync([question.Text], sampling with { SamplesPerPrompt = k }, cancellationToken);
        return await RateAsync(question, samples[0], cancellationToken);
    }

    /// <exception cref="InvalidOperationException">A sample's request failed: a pass rate without it would be a guess.</exception>
    private async Task<PassRate> RateAsync(Question question, IReadOnlyList<StudentSample> samples, CancellationToken ct)
    {
        var kinds = new List<VerdictKind>(samples.Count);
        for (int i = 0; i < samples.Count; i++)
        {
            if (samples[i].Error is { } error)
                throw new InvalidOperationException($"compression: the student's answer to {question.Id} could not be drawn: {error}");
            kinds.Add(samples[i].IsTruncated ? VerdictKind.Wrong
                : (await verifier.VerifyAsync(question, Answer.Of($"{question.Id}.student.{i}", samples[i].Text), ct)).Kind);
        }
        return PassRate.Of(verifier.Name, kinds, samples.Count(s => s.IsTruncated));
    }
}
