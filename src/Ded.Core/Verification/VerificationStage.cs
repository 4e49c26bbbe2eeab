using Ded.Runs;

namespace Ded.Verification;

/// <summary>What one verification pass found, by verdict kind.</summary>
public sealed record VerificationSummary(IReadOnlyDictionary<VerdictKind, int> Counts);

/// <summary>Runs a verifier over every stored trajectory, a page of questions at a time, and stores each page's verdicts as one batch.</summary>
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
        var counts = Enum.GetValues<VerdictKind>().ToDictionary(k => k, _ => 0);
        int judged = 0;
        await using (var writer = store.Writer())
        {
            foreach (var page in store.QuestionPages())
            {
                var verdicts = new List<Verdict>(page.Trajectories);
                foreach (var (question, trajectories) in page.Groups)
                    foreach (var trajectory in trajectories)
                    {
                        ct.ThrowIfCancellationRequested();
                        var verdict = await verifier.VerifyAsync(question, Answer.Of(trajectory), ct);
                        verdicts.Add(verdict);
                        counts[verdict.Kind]++;
                        if (judge is null || verdict.Kind != VerdictKind.Unverifiable) continue;
                        verdicts.Add(await judge.VerifyAsync(question, Answer.Of(trajectory), ct));
                        judged++;
                    }
                await writer.SaveVerdictsAsync(verdicts);
            }
            await writer.FlushAsync();
        }
        var metrics = counts.ToDictionary(kv => RunStore.Snake(kv.Key), kv => (double)kv.Value);
        if (judge is not null) metrics["judged"] = judged;
        store.SaveMetrics("verify", metrics);
        return new VerificationSummary(counts);
    }
}
