namespace Ded.Rollouts;

/// <summary>Rollout stage options.</summary>
public sealed record RolloutOptions
{
    public SamplingSettings Sampling { get; init; } = new();
    public int MaxConcurrency { get; init; } = 8; // requests in flight at once; endpoints may lower it
}
