using Ded.Data;

namespace Ded.Verification.Math;

/// <summary>The math rule verifier for runs: <see cref="MathVerifier"/> on the final answer, its status mapped to verdict kinds.</summary>
public sealed class MathAnswerVerifier(MathVerifyOptions options) : IVerifier
{
    public string Name => "math";

    public ValueTask<Verdict> VerifyAsync(Question question, Answer answer, CancellationToken cancellationToken)
    {
        // Only the text after </think> counts: a boxed guess inside the reasoning is not the answer.
        var v = MathVerifier.Verify(question.GoldAnswer, answer.FinalText, options, cancellationToken);
        return ValueTask.FromResult(new Verdict { TrajectoryId = answer.Id, Kind = Kind(v), Reason = Reason(v), Verifier = Name, Answer = v.PredNormalized,
            Status = v.Status == MathVerifyStatus.GoldUnparsed ? "gold_unparsed" : null });
    }

    internal static VerdictKind Kind(MathVerdict v) => v.Status switch
    {
        MathVerifyStatus.Ok => v.Equivalent ? VerdictKind.Correct : VerdictKind.Wrong,
        MathVerifyStatus.NoAnswer => VerdictKind.NoAnswer,
        MathVerifyStatus.GoldUnparsed => VerdictKind.Unverifiable,
        _ => VerdictKind.Timeout, // timeout and too_large: the check gave up, which is not a wrong answer
    };

    private static string Reason(MathVerdict v) => v.Status switch
    {
        MathVerifyStatus.Ok => $"{(v.Equivalent ? "equivalent" : "not equivalent")}: gold {v.GoldNormalized} vs answer {v.PredNormalized}",
        MathVerifyStatus.NoAnswer => $"no answer could be extracted (gold {v.GoldNormalized})",
        MathVerifyStatus.GoldUnparsed => "the gold answer could not be parsed",
        MathVerifyStatus.Timeout => $"timed out (gold {v.GoldNormalized ?? "?"}, answer {v.PredNormalized ?? "?"})",
        _ => "too large to compare",
    };
}
