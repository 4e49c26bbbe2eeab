using Ded.Runs;

namespace Ded.Verification;

/// <summary>What one verification pass found, by verdict kind.</summary>
public sealed record VerificationSummary(IReadOnlyDictionary<VerdictKind, int> Counts);

/// <summary>Runs a verifier over every stored trajectory and stores each verdict as it is made.</summary>
public static class VerificationStage
{
    public static Task<VerificationSummary> RunAsync(RunStore store, IVerifier verifier, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(verifier);
        return RunCoreAsync(store, verifier, cancellationToken);
    }

    private static async Task<VerificationSummary> RunCoreAsync(RunStore store, IVerifier verifier, CancellationToken ct)
    {
        var questions = store.Questions().ToDictionary(q => q.Id);
        var counts = Enum.GetValues<VerdictKind>().ToDictionary(k => k, _ => 0);
        foreach (var trajectory in store.Trajectories())
        {
            ct.ThrowIfCancellationRequested();
            var verdict = await verifier.VerifyAsync(questions[trajectory.QuestionId], trajectory, ct);
            store.SaveVerdict(verdict);
            counts[verdict.Kind]++;
        }
        store.SaveMetrics("verify", counts.ToDictionary(kv => RunStore.Snake(kv.Key), kv => (double)kv.Value));
        return new VerificationSummary(counts);
    }
}
