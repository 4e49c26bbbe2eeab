namespace Ded.Selection;

/// <summary>Whether a trajectory that passed every filter was kept for its question, and why.</summary>
public sealed record SelectionDecision
{
    public required string TrajectoryId { get; init; }
    public required string QuestionId { get; init; }
    /// <summary>"farthest", "random", "longest", "shortest" or "all".</summary>
    public required string Strategy { get; init; }
    public required bool IsSelected { get; init; }
    public required string Reason { get; init; }
    /// <summary>1-based order of choice among the selected; null when not selected.</summary>
    public int? Rank { get; init; }
    /// <summary>Farthest-P only: the distance to the nearest already-chosen trajectory when this one was considered.</summary>
    public int? MinDistance { get; init; }
}
