namespace Ded.Filtering;

/// <summary>One filter's decision on one trajectory, with the reason shown in lineage.</summary>
public sealed record FilterDecision
{
    public required string TrajectoryId { get; init; }
    public required string Filter { get; init; }
    public required bool Passed { get; init; }
    public required string Reason { get; init; }
}
