using Ded.Runs;

namespace Ded.Verification;

/// <summary>What one verification pass found, by verdict kind.</summary>
public sealed record VerificationSummary(IReadOnlyDictionary<VerdictKind, int> Counts);

/// <summary>Runs a verifier over every stored trajectory and stores each verdict as it is made.</summary>
public static class VerificationStage
{
    /// <param name="judge">Consulted for rule verdicts that are <see cref="VerdictKind.Unverifiable"/>; its verdict is stored
    /// under its own name beside the rule verdict (the store keys verdicts by trajectory and verifier).</param>
    public static Task<VerificationSummary> RunAsync(RunStore store, IVerifier verifier, IVerifier? judge, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(verifier);
        return RunCoreAsync(store, verifier, judge, cancellationToken);
    }

    private static async Task<VerificationSummary> RunCoreAsync(RunStore store, IVerifier verifier, IVerifier? judge, CancellationToken ct)
    {
        var questions = store.Questions().ToDictionary(q => q.Id);
        var counts = Enum.GetValues<VerdictKind>().ToDictionary(k => k, _ => 0);
        int judged = 0;
        foreach (var trajectory in store.Trajectories())
        {
            ct.ThrowIfCancellationRequested();
            var verdict = await verifier.VerifyAsync(questions[trajectory.QuestionId], Answer.Of(trajectory), ct);
            store.SaveVerdict(verdict);
            counts[verdict.Kind]++;
            if (judge is not null && verdict.Kind == VerdictKind.Unverifiable)
            {
                store.SaveVerdict(await judge.VerifyAsync(questions[trajectory.QuestionId], Answer.Of(trajectory), ct));
                judged++;
            }
        }
        var metrics = counts.ToDictionary(kv => RunStore.Snake(kv.Key), kv => (double)kv.Value);
        if (judge is not null) metrics["judged"] = judged;
        store.SaveMetrics("verify", metrics);
        return new VerificationSummary(counts);
    }
}
