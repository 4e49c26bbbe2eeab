using Ded.Data;
using Ded.Teachers.Endpoints;

namespace Ded.Verification;

/// <summary>
/// An LLM judge consulted only where the rules could not decide (the gold did not parse). Its verdicts are stored
/// under <c>judge:MODEL</c> beside the rule verdict, never in its place, so lineage shows which samples were judged.
/// </summary>
public sealed class JudgeVerifier(LlmJudge judge, string model) : IVerifier
{
    public string Name => "judge:" + model;

    public async ValueTask<Verdict> VerifyAsync(Question question, Answer answer, CancellationToken cancellationToken)
    {
        var v = await judge.JudgeAsync(question.Text, question.GoldAnswer, answer.FinalText, cancellationToken);
        var kind = v.Kind switch
        {
            JudgeVerdictKind.Equivalent => VerdictKind.Correct,
            JudgeVerdictKind.NotEquivalent => VerdictKind.Wrong,
            _ => VerdictKind.Unverifiable,
        };
        return new Verdict { TrajectoryId = answer.Id, Kind = kind, Reason = v.Rationale, Verifier = Name };
    }
}
