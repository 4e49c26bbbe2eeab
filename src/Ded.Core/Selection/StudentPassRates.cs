using Ded.Data;
using Ded.Evaluation;
using Ded.Training;

namespace Ded.Selection;

/// <summary>
/// The student's pass rate on a question (DED §2, question compression): the fraction of k sampled answers that
/// grade correct. <see cref="PrepareAsync"/> draws many questions' samples in one batch, which a CPU student decodes
/// several times faster than one question at a time; questions not prepared are sampled on demand.
/// </summary>
public sealed class StudentPassRates(IStudent student, Func<StudentSample, string, GradedSample> grade, SampleOptions sampling) : IPassRateEstimator
{
    private readonly Dictionary<string, double> _rates = new(StringComparer.Ordinal);

    public async Task PrepareAsync(IReadOnlyList<Question> questions, int k, CancellationToken cancellationToken)
    {
        var samples = await student.SampleAsync(questions.Select(q => q.Text).ToArray(), sampling with { SamplesPerPrompt = k }, cancellationToken);
        for (int i = 0; i < questions.Count; i++)
            _rates[questions[i].Id] = Rate(samples[i], questions[i].GoldAnswer);
    }

    public async ValueTask<double> EstimatePassRateAsync(Question question, int k, CancellationToken cancellationToken)
    {
        if (_rates.TryGetValue(question.Id, out double rate)) return rate;
        var samples = await student.SampleAsync([question.Text], sampling with { SamplesPerPrompt = k }, cancellationToken);
        return _rates[question.Id] = Rate(samples[0], question.GoldAnswer);
    }

    private double Rate(IReadOnlyList<StudentSample> samples, string gold) => samples.Count(s => grade(s, gold).IsCorrect) / (double)samples.Count;
}
