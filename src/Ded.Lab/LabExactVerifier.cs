using Ded.Data;
using Ded.Verification;

namespace Ded.Lab;

/// <summary>The lab's verifier: the last `\boxed{}` of the final answer must equal the gold answer exactly (trimmed).</summary>
public sealed class LabExactVerifier : IVerifier
{
    /// <summary>The recipe's name for this verifier (`verifier: lab`).</summary>
    public const string KindName = "lab";

    public string Name => "lab-exact";

    public ValueTask<Verdict> VerifyAsync(Question question, Answer answer, CancellationToken cancellationToken)
    {
        // Only the text after </think> counts: a boxed guess inside the reasoning is not the answer.
        var boxed = LabAnswers.ExtractBoxed(answer.FinalText);
        var gold = question.GoldAnswer.Trim();
        var (kind, reason) = boxed is null ? (VerdictKind.NoAnswer, "no \\boxed{} in the final answer")
            : boxed.Trim() == gold ? (VerdictKind.Correct, $"\\boxed{{{boxed.Trim()}}} equals gold '{gold}'")
            : (VerdictKind.Wrong, $"\\boxed{{{boxed.Trim()}}} differs from gold '{gold}'");
        return ValueTask.FromResult(new Verdict { TrajectoryId = answer.Id, Kind = kind, Reason = reason, Verifier = Name, Answer = boxed?.Trim() });
    }
}
