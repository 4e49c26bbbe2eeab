namespace Ded.Rollouts;

/// <summary>Every sample a rollout sent failed, so nothing new was stored; the message gives the causes and the latest error of each.</summary>
public sealed class RolloutFailedException(RolloutSummary summary) : Exception(Describe(summary))
{
    public RolloutSummary Summary { get; } = summary;

    private static string Describe(RolloutSummary s) =>
        $"every one of the {s.Failed} samples sent failed, so nothing new was stored: " +
        string.Join("; ", s.FailedAttempts.Where(a => a.Outcome == "failed").Select(a => $"{a.Label}: {Teachers.Endpoints.FaultCauses.Shorten(a.Example)}")) +
        ". Fix that and run the same command again: what is stored is kept";
}
