using Ded.Data;
using Ded.Lab;
using Ded.Rollouts;

namespace Ded.Verification;

/// <summary>The lab's verifier: the last `\boxed{}` of the final answer must equal the gold answer exactly (trimmed).</summary>
public sealed class LabExactVerifier : IVerifier
{
    public string Name => "lab-exact";

    public ValueTask<Verdict> VerifyAsync(Question question, Trajectory trajectory, CancellationToken cancellationToken)
    {
        // Only the text after </think> counts: a boxed guess inside the reasoning is not the answer.
        var boxed = LabAnswers.ExtractBoxed(trajectory.FinalAnswerText);
        var gold = question.GoldAnswer.Trim();
        var (kind, reason) = boxed is null ? (VerdictKind.NoAnswer, "no \\boxed{} in the final answer")
            : boxed.Trim() == gold ? (VerdictKind.Correct, $"\\boxed{{{boxed.Trim()}}} equals gold '{gold}'")
            : (VerdictKind.Wrong, $"\\boxed{{{boxed.Trim()}}} differs from gold '{gold}'");
        return ValueTask.FromResult(new Verdict { TrajectoryId = trajectory.Id, Kind = kind, Reason = reason, Verifier = Name });
    }
}
