using Ded.Data;
using Ded.Rollouts;

namespace Ded.Verification;

/// <summary>What a verifier concluded. Unverifiable (the gold cannot be judged) is kept apart from wrong.</summary>
public enum VerdictKind { Correct, Wrong, NoAnswer, Unverifiable, Timeout }

/// <summary>A verifier's judgement of one trajectory's final answer against its question's gold answer.</summary>
public sealed record Verdict
{
    public required string TrajectoryId { get; init; }
    public required VerdictKind Kind { get; init; }
    public required string Reason { get; init; }
    public required string Verifier { get; init; }

    public bool IsCorrect => Kind == VerdictKind.Correct;
}

/// <summary>Judges a trajectory's answer. Wrong, no answer and timeouts are verdicts, not exceptions.</summary>
public interface IVerifier
{
    /// <summary>The name stored with each verdict.</summary>
    string Name { get; }
    ValueTask<Verdict> VerifyAsync(Question question, Trajectory trajectory, CancellationToken cancellationToken);
}
