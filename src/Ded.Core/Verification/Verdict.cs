using Ded.Data;
using Ded.Rollouts;

namespace Ded.Verification;

/// <summary>What a verifier concluded. Unverifiable (the gold cannot be judged) is kept apart from wrong.</summary>
public enum VerdictKind { Correct, Wrong, NoAnswer, Unverifiable, Timeout }

/// <summary>A verifier's judgement of one response's final answer against its question's gold answer.</summary>
public sealed record Verdict
{
    /// <summary>The judged response's id (a trajectory's, or a student sample's).</summary>
    public required string TrajectoryId { get; init; }
    public required VerdictKind Kind { get; init; }
    public required string Reason { get; init; }
    public required string Verifier { get; init; }
    /// <summary>The extracted answer, normalised so equal answers compare equal (majority votes count these); null when there was none.</summary>
    public string? Answer { get; init; }
    /// <summary>The verifier's own finer status where it has one (code: wrong_answer, runtime_error, ...; math: gold_unparsed).</summary>
    public string? Status { get; init; }

    public bool IsCorrect => Kind == VerdictKind.Correct;
}

/// <summary>What a verifier judges: a response's final answer (the text after &lt;/think&gt;) and the id its verdict is kept under.</summary>
public sealed record Answer(string Id, string FinalText)
{
    public static Answer Of(Trajectory trajectory) => new(trajectory.Id, trajectory.FinalAnswerText);

    /// <summary>A response that was not stored as a trajectory (a student's sample): its final answer as a trajectory's would be read.</summary>
    public static Answer Of(string id, string response) => new(id, ThinkBlock.Parse(response).AnswerText);
}

/// <summary>
/// Judges an answer: a teacher's trajectory in verification, a student's sample in compression and evaluation.
/// Wrong, no answer and timeouts are verdicts, not exceptions.
/// </summary>
public interface IVerifier
{
    /// <summary>The name stored with each verdict.</summary>
    string Name { get; }
    ValueTask<Verdict> VerifyAsync(Question question, Answer answer, CancellationToken cancellationToken);
}
